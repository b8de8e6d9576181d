"""The receipt: everything a customer and a refund need, and a barcode that reads back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from ireti_till.domain import barcode128
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.ui import receipt_render
from ireti_till.ui.receipt_view import save_receipt_pdf
from tests.fakes import FakeClock, make_sale_service, make_settings


def _sale(receipt_no: int = 42) -> CompletedSale:
    service, _factory, _clock = make_sale_service(clock=FakeClock(datetime(2026, 3, 1, 9, 0,
                                                                           tzinfo=UTC)))
    service.scan(service.search("Coffee")[0].gtin or "", 2)
    service.scan(service.search("Milk")[0].gtin or "")
    service.line_discount(2, percent=Decimal("10"))
    sale = service.pay_cash(Money(5000, "EUR"))
    return CompletedSale(**{**{f: getattr(sale, f) for f in sale.__dataclass_fields__},
                            "receipt_no": receipt_no, "sale_id": uuid4()})


def test_receipt_lists_lines_taxes_tenders_and_code() -> None:
    sale = _sale()
    text = "\n".join(f"{r.left} {r.right} {' '.join(r.cells)}"
                     for r in receipt_render.receipt_rows(sale, make_settings()))
    for expected in ("Ireti Test Store", "1 Market Street", "TAX-0001",
                     "TRAINING — NOT A VALID RECEIPT", "Receipt T1-000042", "Cashier Ada",
                     "Coffee beans 500 g", "2 × €8.99", "Milk 1 l", "discount",
                     "TOTAL", sale.total.format(), "Cash", "€50.00", "Change",
                     sale.change.format(), "S 20%", "R 5%"):
        assert expected in text, expected


def test_receipt_barcode_reads_back_as_the_receipt_code(qtbot: QtBot) -> None:
    sale = _sale(7)
    rows = receipt_render.receipt_rows(sale, make_settings())
    width = int(receipt_render.WIDTH)  # one receipt unit per pixel: modules are 2 px
    image = QImage(width, int(receipt_render.layout_height(rows)) + 1, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    receipt_render.paint(painter, rows, float(width))
    painter.end()
    top = receipt_render.barcode_top(rows)
    assert top is not None
    y = int(top + receipt_render.BARCODE_HEIGHT / 2)  # a scan line through the bars
    pixels = "".join("1" if image.pixelColor(x, y).lightness() < 128 else "0"
                     for x in range(width))
    module = int(receipt_render.MODULE)
    runs = [len(run) for run in re.findall(r"1+|0+", pixels.strip("0"))]
    assert all(r % module == 0 for r in runs), "bars must be whole modules (no blur)"
    modules = "".join(("1" if i % 2 == 0 else "0") * (r // module) for i, r in enumerate(runs))
    assert barcode128.decode(modules) == sale.receipt_code == "T1-000007"


def test_receipt_pdf_is_one_page_of_80mm_paper(tmp_path: Path) -> None:
    sale = _sale()
    pdf = save_receipt_pdf(sale, make_settings(), tmp_path / "r" / "receipt.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1  # one long page, not A4 sheets
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", data)
    assert box is not None
    assert abs(float(box.group(1)) - 80 / 25.4 * 72) < 2  # 80 mm wide, in points
