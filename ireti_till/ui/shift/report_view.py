"""An X or Z report on screen: the same fixed-width lines the printer gets, with Print."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ireti_till.domain.errors import OperationsError
from ireti_till.domain.zreport import ZReport, report_lines
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.printing.receipt_image import mono_font
from ireti_till.ui.theme import name


def save_report_pdf(report: ZReport, path: Path) -> Path:
    """The report as an A4 PDF (the same lines as on screen and paper)."""
    lines = [ln for chunk in report_lines(report, 44) for ln in chunk.split("\n")]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setTitle(f"{report.title} till {report.till_id}")
    writer.setCreator("Ireti Till")
    writer.setResolution(300)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(20, 15, 20, 15), QPageLayout.Unit.Millimeter)
    painter = QPainter()
    if not painter.begin(writer):
        raise OperationsError(f"Cannot write {path}: check the folder can be written",
                              code="IT-500")
    try:
        font = mono_font(44)
        painter.setFont(font)
        step = int(font.pixelSize() * 1.35)
        y = step
        for line in lines:
            if y > writer.height() - step:
                writer.newPage()
                y = step
            painter.drawText(0, y, line)
            y += step
    finally:
        painter.end()
    return path


class ReportDialog(TillDialog):
    def __init__(self, report: ZReport, print_report: Callable[[ZReport], object] | None = None,
                 parent: QWidget | None = None, pdf_dir: Path | None = None) -> None:
        super().__init__("report_dialog", report.title.title(), parent)
        self.report = report
        self.text = QPlainTextEdit(self)
        name(self.text, "report_text", f"{report.title} of till {report.till_id}")
        self.text.setReadOnly(True)
        self.text.setFont(mono_font(15))
        self.text.setPlainText("\n".join(
            line for chunk in report_lines(report, 44) for line in chunk.split("\n")))
        self.text.setMinimumSize(500, 740)
        self.body.addWidget(self.text)
        self.printed = False
        if print_report is not None:
            def do_print() -> None:
                if self.attempt(lambda: [print_report(report)]) is not None:
                    self.printed = True
                    self.title.setText(f"{report.title.title()} — sent to the printer")
            self.add_button("report_print", "Print\nCtrl+P", "primary", do_print)
        if pdf_dir is not None:
            stem = f"z-{report.till_id}-{report.z_no:04d}" if report.z_no else (
                f"x-{report.till_id}-{report.generated_at[:16].replace(':', '')}")
            self.add_button("report_pdf", "Save PDF", slot=lambda: self.attempt(
                lambda: save_report_pdf(report, pdf_dir / f"{stem}.pdf")))
        self.add_button("report_close", "Close\nEsc", slot=self.accept)
