"""Screenshots of the trading day for docs/images (run under Xvfb):

    xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python docs/tools/trading_day_images.py

A real ledger in a temporary folder, a morning's trade, and the screens as a manager sees
them: shift open (float count), paid out, X report, blind close count, Z report, and the
receipt drawn from the bytes the TCP 9100 printer emulator received.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from trading_day_support import SETTINGS, Clock, approval, sale  # noqa: E402

from ireti_till.adapters.db.ledger import open_ledger  # noqa: E402
from ireti_till.adapters.printers.escpos_printer import EscposPrinter, PrinterConfig  # noqa: E402
from ireti_till.domain.overrides import OverrideKind  # noqa: E402
from ireti_till.domain.shift import MovementKind  # noqa: E402
from ireti_till.services.printing import PrintQueue  # noqa: E402
from ireti_till.services.shifts import ShiftService  # noqa: E402
from ireti_till.ui.application import load_fonts, resources_dir  # noqa: E402
from ireti_till.ui.printing.receipt_image import PaperLine, render_paper  # noqa: E402
from ireti_till.ui.shift.dialogs import CloseShiftDialog, OpenShiftDialog, PaidDialog  # noqa: E402
from ireti_till.ui.shift.report_view import ReportDialog  # noqa: E402
from ireti_till.ui.theme import apply_theme  # noqa: E402
from tests.fixtures.escpos_printer import EscposPrinterEmulator  # noqa: E402

OUT = ROOT / "docs" / "images"
LOGO = ROOT / "resources" / "logo.png"


def shot(widget: QWidget, name: str) -> None:
    widget.show()
    widget.adjustSize()
    for _ in range(5):
        QApplication.processEvents()
    widget.grab().save(str(OUT / name))
    print("wrote", OUT / name)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    load_fonts(resources_dir())
    apply_theme(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp, EscposPrinterEmulator() as printer:
        ledger = open_ledger(Path(tmp))
        shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
        opening = OpenShiftDialog(shifts, "ada")
        for denom, n in ((2000, 2), (1000, 4), (500, 4), (200, 10), (100, 10), (50, 10)):
            opening.counter.fields[denom].setText(str(n))
        shot(opening, "shift-open.png")
        opening._open()
        with ledger.uow_factory() as u:
            done = [u.sales.add(sale(t, cash=c, tendered=h, card=t - c, cashier=w, name=n))
                    for t, c, h, w, n in (
                        (1250, 1250, 2000, "Ada", "Sourdough loaf"),
                        (3480, 0, 0, "Ada", "Olive oil 1l"),
                        (799, 799, 1000, "Bola", "Free-range eggs x12"),
                        (2560, 1000, 1000, "Ada", "Coffee beans 500g"),
                        (459, 459, 500, "Bola", "Oat milk 1l"))]
            u.commit()
        paid = PaidDialog(shifts, "ada", MovementKind.PAID_OUT,
                          lambda k, a, r: approval(k, a))
        paid.amount.setText("18.40")
        paid.reason.setText("window cleaner")
        shot(paid, "paid-out.png")
        paid._save()
        shifts.no_sale("ada")
        shot(ReportDialog(shifts.x_report(), lambda z: None), "x-report.png")
        closing = CloseShiftDialog(shifts, "ada",
                                   lambda k, a, r: approval(OverrideKind.CASH_OVER_SHORT))
        for denom, n in ((2000, 3), (1000, 4), (500, 5), (200, 10), (100, 5), (50, 3),
                         (10, 1), (5, 1)):
            closing.counter.fields[denom].setText(str(n))
        shot(closing, "shift-close-count.png")
        closing._close()
        assert closing.z is not None, closing.error.text()
        shot(ReportDialog(closing.z, lambda z: None), "z-report.png")
        config = PrinterConfig(kind="network", host="127.0.0.1", port=printer.port, logo=LOGO)
        queue = PrintQueue(ledger.uow_factory, Clock(), EscposPrinter(config), till_id="T01",
                           store="Ireti Corner Shop", address=("12 Market Street", "Leeds"),
                           tax_id="GB123456789", footer="Thank you - see you soon!")
        queue.receipt(done[3], kick=True)
        queue.run_once()
        [job] = printer.wait_printed(1)
        lines = []
        for kind, item in job.items:
            if kind == "line":
                lines.append(PaperLine(item.text, item.bold, item.big, item.align))  # type: ignore[attr-defined]
            elif kind == "barcode":
                code = str(item).removeprefix("{B")
                lines.append(PaperLine(code, barcode=code, align="center"))
            elif kind == "image":
                lines.append(PaperLine("", logo=True))
        render_paper(lines, 42, LOGO).save(str(OUT / "printed-receipt.png"))
        print("wrote", OUT / "printed-receipt.png", f"({len(job.raw)} bytes received, "
              f"{job.cuts} cut, {job.drawer_pulses} drawer pulse)")
        ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
