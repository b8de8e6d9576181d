"""Screenshots of a trading day through the REAL till (``app.build_till``: staff sign-in,
training, the worker jobs), for docs/images. Run under Xvfb:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/tools/till_day_shots.py [OUT]

A temporary data folder with the demo catalog; the cashier signs in (training opens a
shift), rings two sales (cash), the virtual printer's paper appears on the sale screen,
then the X report, the blind close count, the Z, and the next shift's float count.
Each shot is the whole screen (the till and its dialog), as a cashier sees it; they
replace the standalone dialogs of ``trading_day_images.py`` (which still draws
paid-out.png and printed-receipt.png from the printer emulator's bytes).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ireti_till.app import build_till  # noqa: E402
from ireti_till.composition.tricks import drop_pyside_source_cache  # noqa: E402
from ireti_till.ui.application import qt_app  # noqa: E402

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"


def wait(check: Callable[[], object], seconds: float = 15.0) -> None:
    """Process events until ``check()`` is true (a script, not a test: a deadline)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(getattr(check, "__name__", "condition"))
        QApplication.processEvents()
        time.sleep(0.01)


def settle(ms: int = 300) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def shot(name: str) -> None:
    settle()
    screen = QApplication.primaryScreen()
    screen.grabWindow(0).save(str(OUT / name))
    print("wrote", OUT / name)


def modal(name: str) -> QWidget:
    wait(lambda: (w := QApplication.activeModalWidget()) is not None and w.objectName() == name)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None
    return dialog


def key(widget: QWidget | None, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
        ) -> None:
    QTest.keyClick(widget or QApplication.focusWidget(), k, mod)


def main() -> int:
    app = qt_app(before=drop_pyside_source_cache)
    with tempfile.TemporaryDirectory() as tmp:
        till = build_till(Path(tmp), force_training=True)
        window = till.window
        window.show_on_counter()
        wait(lambda: window.isVisible())
        till.start_background()
        screen = till.staff.sign_in
        window.activateWindow()
        wait(lambda: window.stack.currentWidget() is screen and screen.users.count() > 0)
        settle(500)
        users = screen.users
        users.setCurrentRow(next(i for i in range(users.count())
                                 if users.item(i).text().startswith("Ada")))
        QTest.keyClicks(screen.pad.field, "4829")
        key(screen.pad.field, Qt.Key.Key_Return)
        wait(lambda: till.staff.current is not None)
        settle(500)
        codes = ("2000000010007", "2000000010014")  # two loaves, then what the shop sells
        with till.ledger.read_uow() as uow:
            products = [p for c in codes if (p := uow.catalog.by_gtin(c)) is not None]
            products += [p for p in uow.catalog.search("milk", 3) if p.gtin][:3]
        for basket in (products[:3], products[3:5]):
            for product in basket:
                QTest.keyClicks(window.scan.field, product.gtin or "")
                key(window.scan.field, Qt.Key.Key_Return)
            key(window.scan.field, Qt.Key.Key_F4)
            tender = modal("cash_tender_dialog")
            key(tender.focusWidget() or tender, Qt.Key.Key_Return)
            receipt = modal("receipt_dialog")
            key(receipt.focusWidget() or receipt, Qt.Key.Key_Return)
            wait(lambda: QApplication.activeModalWidget() is None)
        day = till.trading_day.get()
        wait(lambda: all(j.state == "printed" for j in day.queue.jobs()))
        QTest.keyClicks(window.scan.field, products[0].gtin or "")
        key(window.scan.field, Qt.Key.Key_Return)
        shot("training-receipt.png")
        window.controller.cancel_sale()  # Esc Esc and Y at the counter

        def trigger(name: str) -> None:
            action = window.findChild(QAction, name)
            assert action is not None and action.isEnabled(), name
            action.trigger()

        trigger("action_x_report")
        report = modal("report_dialog")
        shot("x-report.png")
        report.reject()
        wait(lambda: QApplication.activeModalWidget() is None)
        trigger("action_close_shift")
        closing = modal("close_shift_dialog")
        expected = day.shifts.x_report().expected_cash
        for denom in day.shifts.settings.denominations:
            n, expected = divmod(expected, denom)
            if n:
                closing.counter.fields[denom].setText(str(n))  # type: ignore[attr-defined]
        shot("shift-close-count.png")
        key(closing.focusWidget() or closing, Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier)
        z = modal("report_dialog")
        shot("z-report.png")
        z.reject()
        wait(lambda: QApplication.activeModalWidget() is None)
        trigger("action_open_shift")
        opening = modal("open_shift_dialog")
        for denom, n in ((2000, 2), (1000, 3), (500, 4), (200, 5), (100, 10)):
            opening.counter.fields[denom].setText(str(n))  # type: ignore[attr-defined]
        shot("shift-open.png")
        opening.reject()
        window.close()
        till.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
