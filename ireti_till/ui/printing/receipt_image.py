"""Draw a printed document as the paper would look (training mode's on-screen receipt, the
print-preview, and the docs' screenshots of what the printer emulator received).

Input is a list of ``(text, bold, big, align)`` lines plus barcodes and a logo flag, so both
the queued document ops and the lines decoded from printer bytes can be drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap

from ireti_till.domain.barcode128 import modules as code128_modules
from ireti_till.domain.print_doc import Op

MONO_FAMILY = "DejaVu Sans Mono"  # shipped in resources/fonts, loaded by ui.application


def mono_font(pixels: int) -> QFont:
    font = QFont(MONO_FAMILY)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    font.setPixelSize(pixels)
    return font


@dataclass(frozen=True, slots=True)
class PaperLine:
    text: str
    bold: bool = False
    big: bool = False
    align: str = "left"
    barcode: str | None = None
    logo: bool = False


def lines_from_ops(ops: Sequence[Op]) -> list[PaperLine]:
    out: list[PaperLine] = []
    for op in ops:
        if op["t"] == "text":
            out.append(PaperLine(op["s"], op.get("bold", False), op.get("big", False),
                                 op.get("align", "left")))
        elif op["t"] == "barcode":
            out.append(PaperLine(op["data"], barcode=op["data"], align="center"))
        elif op["t"] == "logo":
            out.append(PaperLine("", logo=True, align="center"))
    return out


def render_paper(lines: Sequence[PaperLine], columns: int = 42,
                 logo: Path | None = None) -> QImage:
    """A white strip of thermal paper with ``lines`` on it (12 px per column)."""
    font = mono_font(20)
    char_w, line_h, margin = 12, 26, 24
    width = columns * char_w + 2 * margin
    logo_img = QImage(str(logo)) if logo is not None and logo.exists() else QImage()
    height = margin * 2 + 40
    for line in lines:
        height += 96 if line.barcode else (logo_img.height() + 8 if line.logo else
                                           line_h * (2 if line.big else 1))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    p = QPainter(image)
    p.setPen(QColor("#1b1b1b"))
    y = margin
    for line in lines:
        if line.logo:
            if not logo_img.isNull():
                p.drawImage((width - logo_img.width()) // 2, y, logo_img)
                y += logo_img.height() + 8
            continue
        if line.barcode:
            y = _barcode(p, line.barcode, width, y, font)
            continue
        f = QFont(font)
        f.setBold(line.bold)
        h = line_h * (2 if line.big else 1)
        if line.big:  # double height, same width
            f.setPixelSize(40)
            f.setStretch(50)
        p.setFont(f)
        flags = {"center": Qt.AlignmentFlag.AlignHCenter,
                 "right": Qt.AlignmentFlag.AlignRight}.get(line.align,
                                                           Qt.AlignmentFlag.AlignLeft)
        p.drawText(QRect(margin, y, width - 2 * margin, h),
                   flags | Qt.AlignmentFlag.AlignVCenter, line.text)
        y += h
    p.setPen(QColor("#b9b4a8"))
    for x in range(0, width, 16):  # the torn edge
        p.drawLine(x, height - 6, x + 8, height - 1)
    p.end()
    return image


def _barcode(p: QPainter, data: str, width: int, y: int, font: QFont) -> int:
    modules = code128_modules(data)
    module = 2
    x = (width - len(modules) * module) // 2
    for i, bar in enumerate(modules):
        if bar == "1":
            p.fillRect(x + i * module, y + 6, module, 60, QColor("#111111"))
    p.setFont(font)
    p.drawText(QRect(0, y + 68, width, 24), Qt.AlignmentFlag.AlignHCenter, data)
    return y + 96


def paper_pixmap(lines: Sequence[PaperLine], columns: int = 42,
                 logo: Path | None = None) -> QPixmap:
    return QPixmap.fromImage(render_paper(lines, columns, logo))
