"""The trading day in the audit trail (real ledger, real AuditLog): shift open/close, paid
out, reprint COPY; Z printing; training mode opens a shift; the printer check for doctor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from trading_day_support import SETTINGS, Clock, count, eur, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.printers.virtual import VirtualPrinter
from ireti_till.domain.print_doc import PrinterStatus, plain_text
from ireti_till.services.audit import AuditLog
from ireti_till.services.health import Status
from ireti_till.services.printing import PrintQueue
from ireti_till.services.printing_health import printer_check, waiting_jobs
from ireti_till.services.shifts import ShiftService


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


def test_shift_actions_and_reprints_are_in_the_verified_audit_chain(ledger: Ledger) -> None:
    clock = Clock()
    audit = AuditLog(ledger.uow_factory, b"k" * 32, clock)  # type: ignore[arg-type]
    printer = VirtualPrinter()
    queue = PrintQueue(ledger.uow_factory, clock, printer, till_id="T01", store="Shop",
                       audit=audit)
    shifts = ShiftService(ledger.uow_factory, clock, "T01", SETTINGS, audit=audit,
                          drawer=queue)
    shifts.open("ada", count(n1000=2))
    with ledger.uow_factory() as u:
        u.sales.add(sale(700, cash=700, tendered=1000))
        u.commit()
    shifts.paid_out("ada", eur(300), "stamps")
    queue.reprint("1", "ada")
    z = shifts.close("ada", count(n1000=2, n200=2))
    queue.report(z)
    assert queue.run_once() == 3  # drawer kick, the COPY, the Z
    assert printer.drawer_kicks == 1
    assert "Z REPORT No 1" in plain_text(printer.last() or [])
    with ledger.read_uow() as u:
        kinds = [row.kind for row in u.audit.rows()]  # type: ignore[attr-defined]
    assert kinds == ["shift_open", "paid_out", "reprint", "shift_close"]
    assert audit.verify().ok


def test_training_mode_opens_a_shift_for_the_cashier(ledger: Ledger) -> None:
    shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
    first = shifts.ensure_training_shift("ada")
    assert shifts.require_open_shift().shift_id == first.shift_id
    assert shifts.ensure_training_shift("ada").shift_id == first.shift_id


def test_the_printer_check_for_doctor_and_the_status_bar(ledger: Ledger) -> None:
    queue = PrintQueue(ledger.uow_factory, Clock(), None, till_id="T01", store="Shop")
    queue.test_print()
    waiting = waiting_jobs(queue.jobs())
    assert printer_check(PrinterStatus(True, "ok"), []).status is Status.OK
    assert printer_check(PrinterStatus(True, "ok"), waiting).status is Status.WARN
    out = printer_check(PrinterStatus(True, "out", False), waiting)
    assert out.status is Status.FAIL and "IT-621" in out.summary and "1 job" in out.summary
    assert printer_check(PrinterStatus(False), []).summary.startswith("printer offline")
    assert "drawer open" in printer_check(PrinterStatus(True, "ok", drawer_open=True), []).summary
