"""Checkout (services/checkout.py) on a real ledger and the Stripe emulator: cash, a card,
a split tender (card + cash on one sale), a card not taken, and cancelling a sale with an
authorised card on it. The worker's part (``CardQueue``) runs the real services inline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import pytest

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.checkout import EDIT_LOCKED, CheckoutService, Outcome
from ireti_till.services.payment_store_port import TenderSaleState
from ireti_till.services.selling import SaleService
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.fakes import demo_products, make_settings
from tests.faults.support import Rig, register_reader

S = AttemptState


@dataclass
class InlineQueue:
    """The worker's two calls, done at once with the same services the worker uses."""

    rig: Rig
    voided: list[UUID] = field(default_factory=list)

    def void_sale(self, sale_id: UUID, reason: str) -> None:
        self.voided.append(sale_id)
        self.rig.cards.void_sale(sale_id, reason)
        self.rig.outbox.drain()

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


@pytest.fixture
def rig(emu: Emulator, ledger: Ledger, tmp_path: Path) -> Iterator[Rig]:
    emu.faults.clear()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()
    r = Rig(emu, ledger.path, reader_id=reader)
    yield r
    r.close()


@pytest.fixture
def checkout(ledger: Ledger) -> CheckoutService:
    sales = SaleService(ledger.uow_factory, make_settings(), SystemClock(), "Ann", True)
    sales.add_product("SKU-0001", 2)
    return CheckoutService(sales)


def authorise(rig: Rig, sale_id: UUID, amount: Money | None = None) -> None:
    st = rig.cards.start(sale_id, amount)
    rig.emu.simulate.present(rig.reader_id, "approve")
    rig.cards.poll(st.attempt_id)


def test_cash_without_cards_commits_the_sale(checkout: CheckoutService,
                                             ledger: Ledger) -> None:
    due = checkout.state().due
    state = checkout.pay_cash(Money(due.minor + 500, due.currency))
    assert state.outcome is Outcome.PAID and state.completed is not None
    assert state.completed.change == Money(500, due.currency)
    assert state.basket.is_empty and not state.card_on_sale
    with ledger.read_uow() as uow:
        assert uow.sales.get(state.completed.sale_id) is not None


def test_a_card_for_the_whole_sale_completes_it(checkout: CheckoutService, rig: Rig) -> None:
    checkout.connect_cards(rig.tender, InlineQueue(rig))
    progress = checkout.begin_card()
    authorise(rig, progress.sale_id)
    state = checkout.card_closed(progress.sale_id, approved=True)
    assert state.outcome is Outcome.PAID and state.completed is not None
    assert state.completed.sale_id == progress.sale_id and state.basket.is_empty
    assert state.sale_id != progress.sale_id  # the next sale


def test_split_tender_locks_the_basket_then_cash_completes_the_same_sale(
        checkout: CheckoutService, rig: Rig) -> None:
    checkout.connect_cards(rig.tender, InlineQueue(rig))
    progress = checkout.begin_card()
    authorise(rig, progress.sale_id, Money(100, "EUR"))
    state = checkout.card_closed(progress.sale_id, approved=True)
    assert state.outcome is Outcome.PART_PAID and state.card_on_sale
    assert state.due == Money(progress.total.minor - 100, "EUR")
    assert checkout.edit_lock() == EDIT_LOCKED
    with pytest.raises(InputError):
        checkout.pay_cash(Money(0, "EUR"))  # refused: nothing changes
    assert checkout.state().outcome is Outcome.CARD_HELD
    paid = checkout.pay_cash(state.due)
    assert paid.outcome is Outcome.PAID and paid.completed is not None
    assert paid.completed.sale_id == progress.sale_id
    assert sorted(t.kind for t in paid.completed.tenders) == ["card", "cash"]
    assert rig.tender.progress(progress.sale_id).cards[0].state is S.CAPTURED
    assert checkout.edit_lock() is None and not checkout.state().card_on_sale


def test_a_card_not_taken_keeps_the_basket_under_a_new_sale_id(
        checkout: CheckoutService, rig: Rig) -> None:
    queue = InlineQueue(rig)
    checkout.connect_cards(rig.tender, queue)
    lines = checkout.state().basket.lines
    progress = checkout.begin_card()
    state = checkout.card_closed(progress.sale_id, approved=False)
    assert state.outcome is Outcome.CARD_NOT_TAKEN and queue.voided == [progress.sale_id]
    assert state.basket.lines == lines and state.sale_id != progress.sale_id
    assert rig.tender.progress(progress.sale_id).state is TenderSaleState.VOIDED
    assert checkout.edit_lock() is None


def test_cancelling_a_sale_with_an_authorised_card_voids_it(
        checkout: CheckoutService, rig: Rig) -> None:
    queue = InlineQueue(rig)
    checkout.connect_cards(rig.tender, queue)
    progress = checkout.begin_card()
    authorise(rig, progress.sale_id, Money(100, "EUR"))
    checkout.card_closed(progress.sale_id, approved=True)
    state = checkout.cancel()
    assert state.outcome is Outcome.CANCELLED and state.card_voided
    assert state.basket.is_empty and queue.voided == [progress.sale_id]
    after = rig.tender.progress(progress.sale_id)
    assert after.state is TenderSaleState.VOIDED and after.cards[0].state is S.CANCELLED


def test_a_card_before_payments_are_ready_is_refused(checkout: CheckoutService) -> None:
    with pytest.raises(TillError) as err:
        checkout.begin_card()
    assert err.value.code == "IT-383"
