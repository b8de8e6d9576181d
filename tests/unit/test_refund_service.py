"""The refund service on the real SQLite ledger (tmp data dir): views, allocation, refusals,
approval, and the one transaction (refund + outbox + audit)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.refund_wiring import SqlRefundUnitOfWorkFactory, build_refund_service
from ireti_till.adapters.staff_wiring import StaffContext, build_staff_context
from ireti_till.domain.errors import AuthorisationError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptState, create_key
from ireti_till.domain.refund_policy import LegAction, default_matrix
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.refund_ports import LegState
from ireti_till.services.refunds import RefundRequest, RefundService
from ireti_till.services.tendering import capture_op

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
EUR = "EUR"
PINS = {"Ada (training)": "4829", "Tunde (training)": "7153", "Bola (training)": "394817",
        "Chidi (training)": "860274"}


def eur(minor: int) -> Money:
    return Money(minor, EUR)


class Clock:
    def __init__(self) -> None:
        self.t = T0 + timedelta(hours=1)

    def now(self) -> datetime:
        return self.t


@dataclass
class Env:
    engine: Any
    staff: StaffContext
    service: RefundService
    clock: Clock
    people: dict[str, StaffMember]

    def uow(self) -> Any:
        return SqlRefundUnitOfWorkFactory(self.engine)()

    def approve(self, quote: Any, requester: StaffMember, reason: str,
                who: str = "Bola (training)") -> Any:
        request = self.service.approval_request(quote, requester, reason)
        return self.staff.overrides.approve(request, self.people[who].user_id, PINS[who])


@pytest.fixture
def env(data_dir: Path) -> Iterator[Env]:
    engine = make_engine(data_dir / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    clock = Clock()
    staff = build_staff_context(engine, data_dir, training=True, till_id="T01", clock=clock)
    staff.staff.ensure_demo_staff()
    people = {m.name: m for m in staff.staff.users()}
    service = build_refund_service(engine, staff.audit, staff.overrides, till_id="T01",
                                   matrix=default_matrix(EUR), clock=clock)
    yield Env(engine, staff, service, clock, people)
    engine.dispose()


def ring(env: Env, lines: list[tuple[str, int, int]],
         tenders: list[tuple[str, int, str]], till: str = "T01",
         when: datetime = T0) -> CompletedSale:
    """A completed sale in the ledger. lines: (name, qty, total); tenders: (kind, amount,
    card attempt state "captured" | "authorised" | "queued")."""
    sale_id = uuid4()
    sale_lines = tuple(SaleLine(i, f"SKU{i}", None, n, q, eur(t // q), eur(t // q), eur(0),
                                eur(t), "S", eur(t // 6)) for i, (n, q, t) in
                       enumerate(lines, start=1))
    total = eur(sum(t for _, _, t in lines))
    template = CompletedSale(sale_id, till, 0, "ada", when, when, EUR, sale_lines,
                             (TaxLine("S", "20%", total, eur(0), total),), (), total, eur(0),
                             eur(0), total, eur(0), training=True)
    out = []
    with env.uow() as u:
        u.payments.open_sale(template, when)
        for i, (kind, amount, state) in enumerate(tenders):
            if kind == "cash":
                out.append(Tender("cash", eur(amount), eur(amount), eur(0)))
                continue
            a = Attempt(uuid4(), sale_id, till, eur(amount),
                        AttemptState.AUTHORISED if state != "captured" else
                        AttemptState.CAPTURED, when, when, intent_id=f"pi_{sale_id.hex[:8]}{i}",
                        card_brand="visa", card_last4=f"424{i}")
            u.payments.add_attempt(a, create_key(a.attempt_id), "{}")
            if state == "queued":
                u.payments.enqueue(capture_op(a, when))
            out.append(Tender("card", eur(amount), eur(amount), eur(0), a.intent_id, "visa",
                              a.card_last4))
        sale = u.sales.add(dataclasses.replace(template, tenders=tuple(out)))
        u.commit()
    return sale


def test_find_by_receipt_code_shows_lines_payments_and_nothing_refunded(env: Env) -> None:
    sale = ring(env, [("Mug", 2, 1000), ("Tea", 1, 500)], [("card", 1500, "captured")])
    view = env.service.find(f" {sale.receipt_code.lower()} ")
    assert view.sale.sale_id == sale.sale_id
    assert [(ln.name, ln.quantity, ln.left_qty) for ln in view.lines] == [
        ("Mug", 2, 2), ("Tea", 1, 1)]
    (card,) = view.payments
    assert card.label == "Visa ****4240" and card.remaining == eur(1500)
    assert view.refunded == eur(0) and env.service.find(str(sale.sale_id)).sale == sale


def test_partial_then_rest_by_lines_card_refund_queued_with_audit(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Mug", 2, 1001), ("Tea", 1, 500)], [("card", 1501, "captured")])
    first = env.service.refund(RefundRequest.for_lines(sale.sale_id, {1: 1}), "broken", ada)
    assert first.amount == eur(500) and first.code == "T01-R000001"
    (leg,) = first.legs
    assert leg.action is LegAction.CARD_REFUND and leg.state is LegState.PENDING
    with env.uow() as u:
        op = u.payments.get_operation(leg.op_id)
        kinds = [r.kind for r in u.audit.rows()]
    assert op is not None and op.kind is OperationKind.REFUND
    assert op.key == f"{first.refund_id}:refund" and op.amount == eur(500)
    assert dict(op.params)["reason"] == "requested_by_customer"
    assert "refund" in kinds
    rest = env.service.refund(RefundRequest.for_lines(sale.sale_id, {1: 1, 2: 1}), "all", ada)
    assert rest.amount == eur(1001)  # the last unit takes the rounding remainder
    view = env.service.find(sale.receipt_code)
    assert view.remaining == eur(0) and view.payments[0].pending == eur(1501)
    assert [ln.left_qty for ln in view.lines] == [0, 0]
    with pytest.raises(TillError) as exc:
        env.service.quote(RefundRequest(sale.sale_id, eur(1)), ada)
    assert exc.value.code == "IT-444"


def test_two_cards_and_cash_split_in_proportion(env: Env) -> None:
    bola = env.people["Bola (training)"]
    sale = ring(env, [("Coat", 1, 5000)],
                [("card", 3000, "captured"), ("card", 1000, "captured"), ("cash", 1000, "")])
    rec = env.service.refund(RefundRequest(sale.sale_id, eur(2500)), "too small", bola)
    got = [(leg.action, leg.amount.minor, leg.state) for leg in rec.legs]
    assert got == [(LegAction.CARD_REFUND, 1500, LegState.PENDING),
                   (LegAction.CARD_REFUND, 500, LegState.PENDING),
                   (LegAction.CASH_OUT, 500, LegState.PAID)]
    with env.uow() as u:
        ops = [u.payments.get_operation(leg.op_id) for leg in rec.legs if leg.op_id]
    assert sorted(o.intent_id or "" for o in ops if o) == sorted(
        t.reference or "" for t in sale.tenders if t.kind == "card")
    view = env.service.find(sale.receipt_code)
    assert [p.remaining.minor for p in view.payments] == [1500, 500, 500]


def test_cash_refund_is_a_drawer_leg_without_outbox(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Tea", 1, 700)], [("cash", 700, "")])
    rec = env.service.refund(RefundRequest(sale.sale_id, eur(700)), "customer changed mind",
                             ada)
    assert [(leg.action, leg.op_id, leg.state) for leg in rec.legs] == [
        (LegAction.CASH_OUT, None, LegState.PAID)]
    with env.uow() as u:
        assert u.payments.open_operations() == []
        (row,) = [r for r in u.audit.rows() if r.kind == "refund"]
    assert '"cash_out_minor":700' in row.details.replace(" ", "")


def test_uncaptured_authorisation_is_cancelled_for_the_whole_sale_only(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Tea", 1, 900)], [("card", 900, "authorised")])
    with pytest.raises(TillError) as exc:
        env.service.quote(RefundRequest(sale.sale_id, eur(100)), ada)
    assert exc.value.code == "IT-445"
    rec = env.service.refund(RefundRequest(sale.sale_id, eur(900)), "not wanted", ada)
    (leg,) = rec.legs
    assert leg.action is LegAction.CARD_CANCEL
    with env.uow() as u:
        op = u.payments.get_operation(leg.op_id)
        attempt = u.payments.get_attempt(UUID(leg.payment_ref or ""))
    assert op is not None and op.kind is OperationKind.CANCEL
    assert attempt is not None and attempt.state is AttemptState.CANCELLED


@pytest.mark.parametrize("case,code", [
    ("refund_of_refund", "IT-442"), ("refund_code", "IT-442"), ("other_till", "IT-443"),
    ("other_till_in_ledger", "IT-443"), ("negative", "IT-441"), ("zero", "IT-441"),
    ("above_left", "IT-444"), ("capture_queued", "IT-445"), ("no_reason", "IT-450"),
    ("unknown", "IT-449"), ("garbage", "IT-449"), ("wrong_currency", "IT-447"),
    ("cash_only_no_receipt_over_100", "IT-446"),
])
def test_refusals(env: Env, case: str, code: str) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Mug", 1, 2000)],
                [("card", 2000, "queued" if case == "capture_queued" else "captured")])
    s = env.service
    with pytest.raises(TillError) as exc:
        if case == "refund_of_refund":
            rec = s.refund(RefundRequest(sale.sale_id, eur(100)), "broken", ada)
            s.find(str(rec.refund_id))
        elif case == "refund_code":
            rec = s.refund(RefundRequest(sale.sale_id, eur(100)), "broken", ada)
            s.find(rec.code)
        elif case == "other_till":
            s.find("T02-000001")
        elif case == "other_till_in_ledger":
            other = ring(env, [("Mug", 1, 2000)], [("cash", 2000, "")], till="T02")
            s.quote(RefundRequest(other.sale_id, eur(100)), ada)
        elif case in ("negative", "zero"):
            s.refund(RefundRequest(sale.sale_id, eur(-100 if case == "negative" else 0)),
                     "broken", ada)
        elif case == "above_left":
            s.refund(RefundRequest(sale.sale_id, eur(1500)), "broken", ada)
            s.refund(RefundRequest(sale.sale_id, eur(501)), "broken", ada)
        elif case == "capture_queued":
            s.refund(RefundRequest(sale.sale_id, eur(100)), "broken", ada)
        elif case == "no_reason":
            s.refund(RefundRequest(sale.sale_id, eur(100)), "  ", ada)
        elif case == "unknown":
            s.find("T01-000999")
        elif case == "garbage":
            s.find("hello")
        elif case == "wrong_currency":
            s.quote(RefundRequest(sale.sale_id, Money(100, "USD")), ada)
        else:
            s.quote(RefundRequest(None, eur(10001)), ada)
    assert exc.value.code == code
    assert exc.value.message  # a clear message for the cashier
    if case != "above_left":
        with env.uow() as u:
            n = u.connection.execute(text("SELECT count(*) FROM refunds")).scalar_one()
        assert n == (1 if case.startswith("refund_") else 0)


def test_above_cashier_limit_needs_another_persons_approval(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Coat", 1, 20000)], [("card", 20000, "captured")])
    request = RefundRequest(sale.sale_id, eur(6000))
    quote = env.service.quote(request, ada)
    assert quote.needs_approval and quote.decision.approver_role is Role.SUPERVISOR
    with pytest.raises(AuthorisationError) as exc:
        env.service.refund(request, "faulty", ada)
    assert exc.value.code == "IT-435"
    with pytest.raises(AuthorisationError):  # a cashier cannot approve
        env.approve(quote, ada, "faulty", who="Tunde (training)")
    approval = env.approve(quote, ada, "faulty")
    rec = env.service.refund(request, "faulty", ada, approval)
    assert rec.approver_id == env.people["Bola (training)"].user_id
    assert rec.override_id == approval.override_id
    with pytest.raises(AuthorisationError) as exc:  # one approval, one refund
        env.service.refund(RefundRequest(sale.sale_id, eur(5100)), "faulty", ada, approval)
    assert exc.value.code == "IT-436"


def test_daily_total_per_cashier_and_no_receipt_policy(env: Env) -> None:
    ada, bola = env.people["Ada (training)"], env.people["Bola (training)"]
    for _ in range(4):
        sale = ring(env, [("Mug", 1, 4900)], [("cash", 4900, "")])
        env.service.refund(RefundRequest(sale.sale_id, eur(4900)), "faulty", ada)
    sale = ring(env, [("Mug", 1, 4900)], [("cash", 4900, "")])
    quote = env.service.quote(RefundRequest(sale.sale_id, eur(1000)), ada)
    assert quote.needs_approval and "cashier's refunds today over 200" in quote.decision.rules
    env.clock.t += timedelta(days=1)  # a new day starts from zero
    assert not env.service.quote(RefundRequest(sale.sale_id, eur(1000)), ada).needs_approval
    # without a receipt: cash, and another supervisor even for a supervisor
    quote = env.service.quote(RefundRequest(None, eur(2000)), bola)
    assert quote.needs_approval and quote.decision.cash_only
    assert [leg.action for leg in quote.legs] == [LegAction.CASH_OUT]
    approval = env.approve(quote, bola, "no receipt, gift", who="Chidi (training)")
    rec = env.service.refund(RefundRequest(None, eur(2000)), "no receipt, gift", bola,
                             approval)
    assert rec.sale_id is None and not rec.receipt and rec.legs[0].state is LegState.PAID


def test_completed_refund_rows_are_append_only(env: Env) -> None:
    sale = ring(env, [("Tea", 1, 700)], [("cash", 700, "")])
    env.service.refund(RefundRequest(sale.sale_id, eur(100)), "broken",
                       env.people["Ada (training)"])
    with env.engine.connect() as c:
        for sql in ("UPDATE refunds SET amount_minor = 1", "DELETE FROM refund_legs"):
            with pytest.raises(Exception, match="append-only"):
                c.execute(text(sql))
            c.rollback()


def test_leg_state_follows_the_outbox_row(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Tea", 1, 700)], [("card", 700, "captured")])
    rec = env.service.refund(RefundRequest(sale.sale_id, eur(300)), "broken", ada)
    for state, shown in ((OperationState.DONE, LegState.SUCCEEDED),
                         (OperationState.FAILED, LegState.FAILED)):
        with env.uow() as u:
            op = u.payments.get_operation(rec.legs[0].op_id)
            assert op is not None
            u.payments.save_operation(dataclasses.replace(op, state=state))
            u.commit()
        got = env.service.get(rec.refund_id)
        assert got.legs[0].state is shown and got.pending is False


def test_an_approval_does_not_cover_a_refund_that_now_needs_a_higher_role(env: Env) -> None:
    ada = env.people["Ada (training)"]
    sale = ring(env, [("Coat", 1, 9000)], [("cash", 9000, "")])
    request = RefundRequest(sale.sale_id, eur(6000))
    approval = env.approve(env.service.quote(request, ada), ada, "faulty")  # a supervisor
    env.clock.t += timedelta(days=91)  # now the sale is old: an admin must approve
    assert env.service.quote(request, ada).decision.approver_role is Role.ADMIN
    with pytest.raises(AuthorisationError) as exc:
        env.service.refund(request, "faulty", ada, approval)
    assert exc.value.code == "IT-436"
    with env.uow() as u:
        assert u.refunds.for_sale(sale.sale_id) == []
