"""A card leg of a cross-till refund goes to Stripe (the emulator) from the refunding till's
own outbox, by the original PaymentIntent, exactly as a local card refund does: T1 takes a
card payment, T2 (another ledger, same Stripe account) refunds part of it. The back office's
answers are stood in for here; tests/backoffice/test_cross_till_refunds.py uses the server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ireti_till.adapters.db.refunds_remote_repo import SqlRemoteRefundLog
from ireti_till.adapters.refund_wiring import SqlRefundUnitOfWorkFactory, build_refund_service
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.refund_policy import LegAction, default_matrix
from ireti_till.services.backoffice_refunds import RemoteLine, RemoteSale, RemoteTender
from ireti_till.services.refund_ports import LegState
from ireti_till.services.refund_remote import RemoteRefunds
from ireti_till.services.refunds import RefundRequest
from ireti_till.training import Emulator
from tests.faults.support import Rig, StepClock, register_reader, sale_template


class Answers:
    """The back office: the sale as T1 fed it, reservations accepted."""

    def __init__(self, sale: RemoteSale) -> None:
        self.sale, self.reserved, self.confirmed = sale, [], []  # type: ignore[var-annotated]

    def find(self, **_query: Any) -> RemoteSale:
        return self.sale

    def reserve(self, refund_id: uuid.UUID, sale_id: str, lines: dict[int, int],
                legs: dict[int, int] | None = None) -> None:
        self.reserved.append((refund_id, lines, legs))

    def confirm(self, refund_id: uuid.UUID) -> None:
        self.confirmed.append(refund_id)

    def release(self, refund_id: uuid.UUID) -> None:
        raise AssertionError("nothing to release")


def test_a_card_leg_of_another_tills_sale_is_refunded_at_stripe(
        make_emulator: Callable[..., Emulator], tmp_path: Path, data_dir: Path) -> None:
    emu = make_emulator()
    clock = StepClock()
    t1 = Rig(emu, tmp_path / "t1.sqlite3", reader_id="", till_id="T1", clock=clock)
    t1.reader_id = register_reader(t1.gateway)
    t2 = Rig(emu, data_dir / "ledger.sqlite3", reader_id="", till_id="T2", clock=clock)
    try:
        sale = sale_template(2000, till_id="T1")
        t1.tender.begin(sale)
        st = t1.cards.start(sale.sale_id, Money(2000, "EUR"))
        emu.simulate.present(t1.reader_id, "approve")
        st = t1.cards.poll(st.attempt_id)
        for _ in range(3):
            t1.outbox.drain()
        with t1.ctx.uow() as u:
            done = u.sales.get(sale.sale_id)
            assert {a.state for a in u.payments.attempts_for_sale(sale.sale_id)} == {
                AttemptState.CAPTURED}
        assert done is not None
        tender = done.tenders[0]
        remote_sale = RemoteSale(
            "T1", str(done.sale_id), done.receipt_no, "EUR", done.total.minor,
            done.completed_at.isoformat(),
            tuple(RemoteLine(ln.line_no, ln.sku, ln.name, ln.quantity, ln.quantity,
                             ln.total.minor) for ln in done.lines),
            (RemoteTender(1, "card", tender.amount.minor, tender.amount.minor,
                          tender.reference, tender.card_brand, tender.card_last4),))
        answers = Answers(remote_sale)
        staff = build_staff_context(t2.engine, data_dir, training=True, till_id="T2",
                                    clock=clock)
        staff.staff.ensure_demo_staff()
        ada = next(m for m in staff.staff.users() if m.name.startswith("Ada"))
        service = build_refund_service(t2.engine, staff.audit, staff.overrides,
                                       till_id="T2", matrix=default_matrix("EUR"), clock=clock)
        remote = RemoteRefunds(service, SqlRefundUnitOfWorkFactory(t2.engine),
                               lambda: answers, SqlRemoteRefundLog(t2.engine),  # type: ignore[arg-type,return-value]
                               clock)
        found = remote.find(f"T1-{done.receipt_no:06d}")
        assert [p.label for p in found.view().payments] == [
            f"{(tender.card_brand or 'card').title()} ****{tender.card_last4}"]
        record = found.refund(RefundRequest.for_lines(done.sale_id, {1: 1}), "faulty", ada)
        assert [(leg.action, leg.amount.minor, leg.state) for leg in record.legs] == [
            (LegAction.CARD_REFUND, 2000, LegState.PENDING)]
        assert answers.reserved == [(record.refund_id, {1: 1}, {1: 2000})]
        for _ in range(3):
            t2.outbox.drain()
        with emu.state.lock:
            at_stripe = [(r["payment_intent"], r["amount"], r["metadata"].get("refund_id"))
                         for r in emu.state.refunds.values()]
        assert at_stripe == [(tender.reference, 2000, str(record.refund_id))]
        assert [leg.state for leg in service.get(record.refund_id).legs] == [LegState.SUCCEEDED]
    finally:
        t1.close()
        t2.close()
