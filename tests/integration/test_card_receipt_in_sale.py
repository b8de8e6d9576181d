"""A card sale's receipt job is committed in the sale's own transaction (issue 12 edge).

Before, the checkout queued a card sale's receipt after the completion had committed, so a
crash between the two lost the receipt. The fault is injected exactly there (the
``auth.stored`` point: authorisation + completion committed, nothing after it ran): the
receipt job must already be in the ledger. The split tender (cash completes the sale) and a
card completing the sale both leave exactly one receipt job.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db import print_repo  # noqa: F401 - registers uow.prints
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.domain.money import Money
from ireti_till.services.checkout import CheckoutService, Outcome
from ireti_till.services.payment_store_port import TenderSaleState
from ireti_till.services.printing import PrintQueue
from ireti_till.services.printing_ports import PrintJob
from ireti_till.services.selling import SaleService
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.fakes import demo_products, make_settings
from tests.faults.support import Rig, register_reader


class Crash(BaseException):
    """The process dying at a named point."""


class InlineQueue:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def void_sale(self, sale_id: UUID, reason: str) -> None:
        self.rig.cards.void_sale(sale_id, reason)

    def request_drain(self) -> None:
        self.rig.outbox.drain()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = open_ledger(tmp_path)
    with led.uow_factory() as uow:
        uow.catalog.upsert_many(demo_products("EUR"))
        uow.commit()
    yield led
    led.close()


def _rig(emu: Emulator, ledger: Ledger, tmp_path: Path, crash_at: str | None) -> Rig:
    emu.faults.clear()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()

    def crash(point: str) -> None:
        if point == crash_at:
            raise Crash(point)

    return Rig(emu, ledger.path, reader_id=reader, crash=crash)


def _checkout(ledger: Ledger, rig: Rig) -> tuple[CheckoutService, list[int]]:
    sales = SaleService(ledger.uow_factory, make_settings(), SystemClock(), "Ann", True)
    sales.add_product("SKU-0001", 2)
    checkout = CheckoutService(sales)
    queue = PrintQueue(ledger.uow_factory, SystemClock(), None, till_id="T1", store="Shop")
    woken: list[int] = []
    queue.wake = lambda: woken.append(1)
    checkout.connect_cards(rig.tender, InlineQueue(rig))
    checkout.attach_trading_day(lambda: None, queue)
    return checkout, woken


def _jobs(ledger: Ledger) -> list[PrintJob]:
    with ledger.read_uow() as u:
        return u.prints.recent(50)  # type: ignore[attr-defined, no-any-return]


def _authorise(rig: Rig, sale_id: UUID, amount: Money | None = None) -> None:
    st = rig.cards.start(sale_id, amount)
    rig.emu.simulate.present(rig.reader_id, "approve")
    rig.cards.poll(st.attempt_id)


def test_a_crash_right_after_the_card_completes_the_sale_keeps_its_receipt(
        emu: Emulator, ledger: Ledger, tmp_path: Path) -> None:
    rig = _rig(emu, ledger, tmp_path, crash_at="auth.stored")
    try:
        checkout, _woken = _checkout(ledger, rig)
        progress = checkout.begin_card()
        with pytest.raises(Crash):  # dies after the commit, before the checkout hears of it
            _authorise(rig, progress.sale_id)
        with rig.ctx.uow() as u:
            ts = u.payments.get_sale(progress.sale_id)
            assert ts is not None and ts.state is TenderSaleState.COMPLETED
            sale = u.sales.get(progress.sale_id)
        assert sale is not None
        (job,) = _jobs(ledger)
        assert (job.kind, job.ref, job.state, job.kick) == (
            "receipt", sale.receipt_code, "pending", False)
    finally:
        rig.close()


def test_a_card_sale_leaves_one_receipt_job_and_wakes_the_printer(
        emu: Emulator, ledger: Ledger, tmp_path: Path) -> None:
    rig = _rig(emu, ledger, tmp_path, crash_at=None)
    try:
        checkout, woken = _checkout(ledger, rig)
        progress = checkout.begin_card()
        _authorise(rig, progress.sale_id)
        state = checkout.card_closed(progress.sale_id, approved=True)
        assert state.outcome is Outcome.PAID and state.completed is not None
        (job,) = _jobs(ledger)
        assert job.ref == state.completed.receipt_code and not job.kick
        assert woken == [1]
    finally:
        rig.close()


def test_the_cash_part_of_a_split_stores_the_receipt_with_the_drawer_kick(
        emu: Emulator, ledger: Ledger, tmp_path: Path) -> None:
    rig = _rig(emu, ledger, tmp_path, crash_at=None)
    try:
        checkout, _woken = _checkout(ledger, rig)
        progress = checkout.begin_card()
        _authorise(rig, progress.sale_id, Money(100, "EUR"))
        part = checkout.card_closed(progress.sale_id, approved=True)
        assert part.outcome is Outcome.PART_PAID and _jobs(ledger) == []
        paid = checkout.pay_cash(part.due)
        assert paid.outcome is Outcome.PAID and paid.completed is not None
        (job,) = _jobs(ledger)
        assert job.ref == paid.completed.receipt_code and job.kick
    finally:
        rig.close()


def test_a_receipt_job_that_cannot_be_stored_rolls_the_completion_back(
        emu: Emulator, ledger: Ledger, tmp_path: Path) -> None:
    rig = _rig(emu, ledger, tmp_path, crash_at=None)
    try:
        checkout, _woken = _checkout(ledger, rig)
        progress = checkout.begin_card()
        _authorise(rig, progress.sale_id, Money(100, "EUR"))
        checkout.card_closed(progress.sale_id, approved=True)

        def broken(u: object, sale: object, live: bool) -> None:
            raise Crash("print_jobs insert")

        rig.ctx.on_completed = broken
        with pytest.raises(Crash):
            checkout.pay_cash(Money(10_000, "EUR"))
        with rig.ctx.uow() as u:  # one unit of work: neither the sale nor a job
            ts = u.payments.get_sale(progress.sale_id)
            assert ts is not None and ts.state is TenderSaleState.OPEN and not ts.cash
            assert u.sales.get(progress.sale_id) is None
        assert _jobs(ledger) == []
    finally:
        rig.close()
