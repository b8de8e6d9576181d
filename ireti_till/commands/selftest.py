"""``ireti-till selftest [--data-dir DIR]``: ring one cash sale through the real till, offscreen.

Used by packaging to prove a frozen bundle works end to end: Qt starts (offscreen when
there is no display), the shipped font loads, the ledger opens and migrates, the demo
catalog seeds, the sign-in screen comes first and a training cashier signs in with the
demo PIN printed on it, then the real ``MainWindow`` is driven with key events (scan a
demo product, F4, Enter for exact cash), the receipt appears, and the sale is read back from SQLite.
Always training mode. Without ``--data-dir`` a fresh temporary directory is used and
removed afterwards. Prints ``selftest OK`` and exits 0, or says which step failed and
exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

NOISE = ("propagateSizeHints",)  # the offscreen plugin's harmless complaint


class SelftestFailure(Exception):
    pass


def _wait_until(check: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SelftestFailure(f"timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _focused(name: str) -> Callable[[], bool]:
    from PySide6.QtWidgets import QApplication

    def check() -> bool:
        widget = QApplication.focusWidget()
        return widget is not None and widget.objectName() == name

    return check


def _key(key: object) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    widget = QApplication.focusWidget()
    if widget is None:
        raise SelftestFailure("no widget has the keyboard focus")
    QTest.keyClick(widget, key)  # type: ignore[call-overload]


def _sign_in(till: object, step: Callable[[str], None]) -> None:
    """Type a training cashier's PIN on the sign-in screen (shown first)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    staff = getattr(till, "staff", None)
    if staff is None:
        raise SelftestFailure("staff sign-in is not wired")
    _wait_until(_focused("sign_in_pin_field"), "the sign-in screen")
    cashier = next((d for d in staff.services.staff.demo_credentials()
                    if d.role.value == "cashier"), None)
    if cashier is None:
        raise SelftestFailure("no training cashier to sign in with")
    field = QApplication.focusWidget()
    if field is None:
        raise SelftestFailure("the PIN field lost the focus")
    QTest.keyClicks(field, cashier.pin)
    QTest.keyClick(field, Qt.Key.Key_Return)
    _wait_until(lambda: staff.current is not None, "the demo cashier's sign-in")
    step(f"signed in as {cashier.name}")


def run(data_dir: Path, step: Callable[[str], None]) -> str:
    """Drive one sale; returns the receipt code. Raises SelftestFailure or TillError."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ireti_till.adapters.logging_setup import log_to_data_dir
    from ireti_till.composition.compose import compose
    from ireti_till.composition.tricks import drop_pyside_source_cache
    from ireti_till.ui.application import qt_app

    app = qt_app(before=drop_pyside_source_cache)
    step(f"Qt started on the '{app.platformName()}' platform")
    log_to_data_dir(data_dir)
    till = compose(data_dir, force_training=True)
    try:
        with till.ledger.read_uow() as uow:
            products = uow.catalog.search("a", 20)
            before = uow.sales.count()
        product = next((p for p in products if p.gtin), None)
        if product is None or product.gtin is None:
            raise SelftestFailure("the demo catalog has no product with a barcode")
        step(f"ledger open, catalog seeded ({product.name})")
        window = till.window
        window.show()
        window.activateWindow()
        _sign_in(till, step)
        _wait_until(_focused("scan_field"), "the scan field to take the focus")
        QTest.keyClicks(window.scan.field, product.gtin)
        _key(Qt.Key.Key_Return)
        if window.table.basket_model.rowCount() != 1:
            raise SelftestFailure(f"scan was not added: {window.messages.text()!r}")
        step(f"scanned {product.gtin}, amount due {window.totals.due.text()}")
        _key(Qt.Key.Key_F4)
        _wait_until(_focused("cash_amount"), "the cash dialog")
        _key(Qt.Key.Key_Return)  # the amount field opens with the exact amount
        _wait_until(_focused("receipt_new_sale"), "the receipt")
        receipt = QApplication.activeModalWidget()
        sale = getattr(receipt, "sale", None)
        if sale is None:
            raise SelftestFailure("the receipt view did not open")
        step(f"receipt {sale.receipt_code} shown")
        with till.ledger.read_uow() as uow:
            stored = uow.sales.get(sale.sale_id)
            after = uow.sales.count()
        if stored is None or stored.total != sale.total or after != before + 1:
            raise SelftestFailure("the sale is not in the ledger")
        step(f"sale {stored.receipt_code} read back from the ledger, total {stored.total}")
        _key(Qt.Key.Key_Return)
        _wait_until(_focused("scan_field"), "the next sale")
        if window.table.basket_model.rowCount() != 0:
            raise SelftestFailure("the basket was not emptied for the next sale")
        step("new sale ready")
        window.close()
        return sale.receipt_code
    finally:
        till.close()


def _quiet_offscreen_warnings() -> Callable[[], None]:
    """Drop the offscreen plugin's noise; returns a function that restores the old handler."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if not any(n in message for n in NOISE):
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)

    def restore() -> None:
        qInstallMessageHandler(previous)

    return restore


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till selftest",
                                     description="ring a cash sale offscreen and check it")
    parser.add_argument("--data-dir", default=None,
                        help="data folder to use (default: a temporary one, removed after); "
                             "the test sale is recorded there as a training sale and uses "
                             "a receipt number, so do not point it at a live till's data")
    parser.add_argument("--quiet", action="store_true", help="print only the result")
    args = parser.parse_args(argv)
    # Offscreen unless told otherwise: needs no display and flashes no window.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    restore_handler = _quiet_offscreen_warnings()

    def step(text: str) -> None:
        if not args.quiet:
            print(f"  ok  {text}", flush=True)

    from ireti_till.domain.errors import TillError

    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if args.data_dir:
            from ireti_till.adapters.paths import resolve_data_dir

            data_dir = resolve_data_dir(args.data_dir)
        else:
            tmp = tempfile.TemporaryDirectory(prefix="ireti-selftest-")
            data_dir = Path(tmp.name)
        from ireti_till.commands.ops_common import writer_lock

        with writer_lock(data_dir, "the selftest"):  # never beside a live till (issue 13)
            code = run(data_dir, step)
    except (SelftestFailure, TillError) as exc:
        print(f"selftest FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - any crash is a failure, reported with its type
        print(f"selftest FAILED: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        restore_handler()
        if tmp is not None:
            tmp.cleanup()
    print(f"selftest OK (receipt {code})")
    return 0
