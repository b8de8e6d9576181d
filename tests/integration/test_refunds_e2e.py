"""Refunds end to end in training mode: the payments core on a real ledger and the Stripe
emulator (contract-checked), the refund service, the outbox sending the card legs.

A card sale captured, a partial refund, then the rest: the emulator holds exactly those two
refunds, also when an answer is lost and the worker replays; an over-refund is refused
locally (nothing sent). A sale paid with two cards is refunded split across both
PaymentIntents. A cash sale is refunded from the drawer (no Stripe call)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ireti_till.adapters.refund_wiring import build_refund_service
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.refund_policy import LegAction, default_matrix
from ireti_till.domain.staff import StaffMember
from ireti_till.services.refund_ports import LegState
from ireti_till.services.refunds import RefundRequest, RefundService
from ireti_till.training import Emulator
from tests.faults.support import Rig, StepClock, register_reader, sale_template

EUR = "EUR"


def eur(minor: int) -> Money:
    return Money(minor, EUR)


class Till:
    def __init__(self, rig: Rig, service: RefundService, ada: StaffMember) -> None:
        self.rig, self.service, self.ada = rig, service, ada

    def card_sale(self, *parts: int) -> Any:
        sale = sale_template(sum(parts), till_id=self.rig.till_id)
        self.rig.tender.begin(sale)
        for part in parts:
            st = self.rig.cards.start(sale.sale_id, eur(part))
            self.rig.emu.simulate.present(self.rig.reader_id, "approve")
            st = self.rig.cards.poll(st.attempt_id)
            assert st.state in (AttemptState.AUTHORISED, AttemptState.CAPTURED)
        self.drain()  # captures of a split tender go once the sale is complete
        with self.rig.ctx.uow() as u:
            done = u.sales.get(sale.sale_id)
            states = {a.state for a in u.payments.attempts_for_sale(sale.sale_id)}
        assert states == {AttemptState.CAPTURED}
        assert done is not None and len(done.tenders) == len(parts)
        return done

    def drain(self) -> None:
        for _ in range(3):
            self.rig.outbox.drain()

    def refunds_at_stripe(self, intent_id: str | None = None) -> list[tuple[str, int, str]]:
        with self.rig.emu.state.lock:
            found = [(r["payment_intent"], r["amount"], r["metadata"].get("refund_id", ""))
                     for r in self.rig.emu.state.refunds.values()]
        return sorted(f for f in found if intent_id is None or f[0] == intent_id)


@pytest.fixture
def till(make_emulator: Callable[..., Emulator], tmp_path: Path, data_dir: Path,
         ) -> Iterator[Till]:
    emu = make_emulator()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()
    clock = StepClock()
    rig = Rig(emu, data_dir / "ledger.sqlite3", reader_id=reader, clock=clock)
    staff = build_staff_context(rig.engine, data_dir, training=True, till_id=rig.till_id,
                                clock=clock)
    staff.staff.ensure_demo_staff()
    ada = next(m for m in staff.staff.users() if m.name.startswith("Ada"))
    service = build_refund_service(rig.engine, staff.audit, staff.overrides,
                                   till_id=rig.till_id, matrix=default_matrix(EUR),
                                   clock=clock)
    yield Till(rig, service, ada)
    rig.close()


def test_partial_then_rest_sent_once_each_and_over_refund_refused(till: Till) -> None:
    sale = till.card_sale(2000)
    intent = sale.tenders[0].reference
    first = till.service.refund(RefundRequest(sale.sale_id, eur(500)), "scratched", till.ada)
    assert first.legs[0].state is LegState.PENDING  # queued: the receipt says "pending"
    assert till.refunds_at_stripe() == []  # committed before any call
    till.drain()
    assert till.service.get(first.refund_id).legs[0].state is LegState.SUCCEEDED
    view = till.service.find(sale.receipt_code)
    assert view.payments[0].refunded == eur(500) and view.payments[0].pending == eur(0)
    # the rest, with the answer lost once: the outbox resends under the same key
    till.rig.emu.faults.script("response_lost", path="/v1/refunds$", count=1)
    rest = till.service.refund(RefundRequest(sale.sale_id, eur(1500)), "the rest", till.ada)
    till.drain()
    for op_leg in rest.legs:  # a replay of a finished operation sends nothing new
        assert op_leg.op_id is not None
        till.rig.outbox.run(op_leg.op_id)
    till.drain()
    assert till.refunds_at_stripe(intent) == sorted([
        (intent, 500, str(first.legs[0].leg_id)), (intent, 1500, str(rest.legs[0].leg_id))])
    assert till.service.get(rest.refund_id).legs[0].state is LegState.SUCCEEDED
    calls_before = len(till.refunds_at_stripe())
    with pytest.raises(TillError) as exc:
        till.service.refund(RefundRequest(sale.sale_id, eur(1)), "again", till.ada)
    assert exc.value.code == "IT-444"
    till.drain()
    assert len(till.refunds_at_stripe()) == calls_before


def test_two_card_sale_refunded_split_across_both_intents(till: Till) -> None:
    sale = till.card_sale(1200, 800)
    a, b = (t.reference for t in sale.tenders)
    rec = till.service.refund(RefundRequest(sale.sale_id, eur(1000)), "half back", till.ada)
    assert [(leg.action, leg.amount.minor) for leg in rec.legs] == [
        (LegAction.CARD_REFUND, 600), (LegAction.CARD_REFUND, 400)]
    till.drain()
    assert till.refunds_at_stripe() == sorted([
        (a, 600, str(rec.legs[0].leg_id)), (b, 400, str(rec.legs[1].leg_id))])
    rest = till.service.refund(RefundRequest(sale.sale_id, eur(1000)), "the rest", till.ada)
    till.drain()
    assert sorted(leg.amount.minor for leg in rest.legs) == [400, 600]
    with till.rig.emu.state.lock:
        totals = {pi: sum(r["amount"] for r in till.rig.emu.state.refunds.values()
                          if r["payment_intent"] == pi) for pi in (a, b)}
    assert totals == {a: 1200, b: 800}  # never more than each payment had
    assert all(leg.state is LegState.SUCCEEDED
               for leg in till.service.get(rest.refund_id).legs)


def test_cash_sale_refunded_from_the_drawer_without_stripe(till: Till) -> None:
    sale = sale_template(900, till_id=till.rig.till_id)
    till.rig.tender.begin(sale)
    progress = till.rig.tender.pay_cash(sale.sale_id, eur(1000))
    assert progress.completed
    done = till.service.find(f"{till.rig.till_id}-{progress.receipt_no:06d}")
    rec = till.service.refund(RefundRequest(done.sale.sale_id, eur(900)), "returned",
                              till.ada)
    assert [(leg.action, leg.state) for leg in rec.legs] == [
        (LegAction.CASH_OUT, LegState.PAID)]
    till.drain()
    assert till.refunds_at_stripe() == []
