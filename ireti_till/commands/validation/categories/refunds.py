"""Refunds and the authorisation matrix: who may refund what, and what Stripe receives."""

from __future__ import annotations

from ireti_till.commands.validation.case import EMULATOR_ONLY, Case, Category
from ireti_till.commands.validation.env import Env, S, sale
from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import LegAction
from ireti_till.domain.staff import Role
from ireti_till.services.refund_ports import LegState
from ireti_till.services.refunds import RefundRequest
from ireti_till.services.staff_ports import AuditFilter

CATEGORY = Category("refunds", "Refunds and the authorisation matrix", 50,
                    "Card and cash refunds through the refund service: the matrix's limits "
                    "and approvals, the outbox sending each refund once, over-refunds refused, "
                    "and a refund Stripe refuses made visible.")


def _card_sale(env: Env, total: int) -> tuple[object, str]:
    st = env.card_sale(["approve"], total=total)
    assert st.state is S.CAPTURED, st
    return env.core.cards._load(st.attempt_id).sale_id, env.intent_of(st)


def _at_stripe(env: Env, intent: str) -> list[tuple[int, str]]:
    return sorted((r.amount_minor, r.metadata.get("refund_id", ""))
                  for r in env.core.ctx.gateway.list_refunds(intent)
                  if r.status not in ("failed", "canceled"))


def _refused(fn: object) -> str:
    try:
        fn()  # type: ignore[operator]
    except TillError as exc:
        return exc.code
    raise AssertionError("it was accepted")


def card_partial_then_rest(env: Env) -> str:
    kit = env.kit()
    svc, cashier = kit.service, kit.cashier
    sale_id, intent = _card_sale(env, 8000)
    partial = RefundRequest(sale_id, Money(6000, "EUR"))  # type: ignore[arg-type]
    quote = svc.quote(partial, cashier)
    assert quote.needs_approval, quote
    refused = _refused(lambda: svc.refund(partial, "validation: partial", cashier))
    approval, supervisor = kit.approve(quote, "validation: partial")
    first = svc.refund(partial, "validation: partial", cashier, approval)
    assert first.approver_id == supervisor, first
    assert _at_stripe(env, intent) == [], "sent before the outbox ran"
    env.core.outbox.drain()
    rest = svc.refund(RefundRequest(sale_id, Money(2000, "EUR")),  # type: ignore[arg-type]
                      "validation: rest", cashier)
    env.core.outbox.drain()
    for leg in (*first.legs, *rest.legs):
        assert leg.op_id is not None and leg.action is LegAction.CARD_REFUND, leg
        env.core.outbox.run(leg.op_id)  # a replay sends nothing new
    states = [leg.state for r in (first, rest) for leg in svc.get(r.refund_id).legs]
    assert states == [LegState.SUCCEEDED] * 2, states
    want = sorted([(6000, str(first.legs[0].leg_id)), (2000, str(rest.legs[0].leg_id))])
    assert _at_stripe(env, intent) == want, _at_stripe(env, intent)
    over = _refused(lambda: svc.refund(RefundRequest(sale_id, Money(1, "EUR")),  # type: ignore[arg-type]
                                       "validation: over", cashier))
    env.core.outbox.drain()
    assert _at_stripe(env, intent) == want, "something more was sent"
    return (f"60.00 refused unapproved ({refused}), approved by a supervisor, then 20.00: "
            f"Stripe holds exactly those 2 after replays; 0.01 more refused ({over})")


def cash_refund(env: Env) -> str:
    kit = env.kit()
    s = sale(990)
    env.core.tender.begin(s)
    assert env.core.tender.pay_cash(s.sale_id, Money(990, "EUR")).completed
    before = env.core.queue_summary().count
    rec = kit.service.refund(RefundRequest(s.sale_id, Money(990, "EUR")), "validation: cash",
                             kit.cashier)
    got = [(leg.action, leg.state) for leg in rec.legs]
    assert got == [(LegAction.CASH_OUT, LegState.PAID)], got
    assert env.core.queue_summary().count == before, "a cash refund queued a call"
    return f"refund {rec.code}: 9.90 paid from the drawer, no Stripe call"


def under_limit(env: Env) -> str:
    kit = env.kit()
    sale_id, intent = _card_sale(env, 2000)
    req = RefundRequest(sale_id, Money(1000, "EUR"))  # type: ignore[arg-type]
    assert not kit.service.quote(req, kit.cashier).needs_approval
    rec = kit.service.refund(req, "validation: small", kit.cashier)
    env.core.outbox.drain()
    assert [a for a, _ in _at_stripe(env, intent)] == [1000], _at_stripe(env, intent)
    return f"10.00 by a cashier without approval ({rec.code}), sent once"


def wrong_pin(env: Env) -> str:
    kit = env.kit()
    sale_id, _ = _card_sale(env, 9000)
    quote = kit.service.quote(RefundRequest(sale_id, Money(7000, "EUR")),  # type: ignore[arg-type]
                              kit.cashier)
    request = kit.service.approval_request(quote, kit.cashier, "validation: wrong pin")
    who = next(m for m in kit.overrides.approvers(request) if m.role is Role.SUPERVISOR)
    code = _refused(lambda: kit.overrides.approve(request, who.user_id, "000001"))
    return f"a supervisor's wrong PIN refused the approval ({code})"


def cashier_cannot_approve(env: Env) -> str:
    kit = env.kit()
    sale_id, _ = _card_sale(env, 9000)
    quote = kit.service.quote(RefundRequest(sale_id, Money(7000, "EUR")),  # type: ignore[arg-type]
                              kit.cashier)
    request = kit.service.approval_request(quote, kit.cashier, "validation: self")
    approvers = kit.overrides.approvers(request)
    assert kit.cashier.user_id not in {m.user_id for m in approvers}, approvers
    pin = kit.pins[kit.cashier.name]
    code = _refused(lambda: kit.overrides.approve(request, kit.cashier.user_id, pin))
    return f"the cashier is not an approver; self-approval refused ({code})"


def no_receipt(env: Env) -> str:
    kit = env.kit()
    quote = kit.service.quote(RefundRequest(None, Money(1500, "EUR")), kit.cashier)
    assert quote.needs_approval, quote
    assert all(leg.action is LegAction.CASH_OUT for leg in quote.legs), quote.legs
    return "a refund without a receipt is cash only and needs a second person"


def no_receipt_over_100(env: Env) -> str:
    kit = env.kit()
    code = _refused(lambda: kit.service.quote(RefundRequest(None, Money(15000, "EUR")),
                                              kit.cashier))
    return f"150.00 without a receipt refused ({code})"


def other_till(env: Env) -> str:
    kit = env.kit()
    s = sale(500, till="OTHER")
    env.core.tender.begin(s)
    env.core.tender.pay_cash(s.sale_id, Money(500, "EUR"))
    code = _refused(lambda: kit.service.quote(RefundRequest(s.sale_id, Money(500, "EUR")),
                                              kit.cashier))
    return f"a sale rung on another till refused here ({code})"


def stripe_refuses(env: Env) -> str:
    assert env.emu is not None
    kit = env.kit()
    s = sale(3000)
    env.core.tender.begin(s)
    st = env.present(env.core.cards.start(s.sale_id), "refund_fails")
    assert st.state is S.CAPTURED, st
    rec = kit.service.refund(RefundRequest(s.sale_id, Money(1000, "EUR")),
                             "validation: refused by Stripe", kit.cashier)
    env.core.outbox.drain()
    accepted = [leg.state for leg in kit.service.get(rec.refund_id).legs]
    env.emu.clock.advance(5)  # Stripe fails the pending refund later
    env.core.sweep.run()
    states = [leg.state for leg in kit.service.get(rec.refund_id).legs]
    assert states == [LegState.FAILED], f"a refund Stripe failed shows {states}"
    task = [i for i in env.core.queue_summary().items if i.state == "failed"
            and "pay them another way" in (i.last_error or "")]
    assert task, "no supervisor task in the queue"
    view = kit.service.view(s.sale_id)
    refunded = sum(p.refunded.minor for p in view.payments)
    assert refunded == 0, f"the failed 10.00 still counts as refunded ({refunded})"
    return (f"accepted as {accepted[0].value}, failed later by Stripe: leg failed, a "
            "supervisor task asks to pay another way, nothing counts as refunded")


def refund_audited(env: Env) -> str:
    kit = env.kit()
    s = sale(400)
    env.core.tender.begin(s)
    env.core.tender.pay_cash(s.sale_id, Money(400, "EUR"))
    rec = kit.service.refund(RefundRequest(s.sale_id, Money(400, "EUR")), "validation: audit",
                             kit.cashier)
    with env.staff.audit._read_uow() as uow:
        rows = uow.audit.query(AuditFilter(kind="refund", limit=10000))
    assert any(rec.code in r.details or str(rec.refund_id) in r.details for r in rows), rows[-1:]
    return f"refund {rec.code} has its audit entry ({len(rows)} refund entries)"


CASES = [
    Case("REF-01", "Partial card refund above the limit needs approval; the rest; no more",
         card_partial_then_rest),
    Case("REF-02", "A cash refund is paid from the drawer with no Stripe call", cash_refund),
    Case("REF-03", "A cashier refunds under the limit without approval, sent once",
         under_limit),
    Case("REF-04", "A supervisor's wrong PIN does not approve a refund", wrong_pin),
    Case("REF-05", "A cashier cannot approve their own refund", cashier_cannot_approve),
    Case("REF-06", "A refund without a receipt is cash only and needs a second person",
         no_receipt),
    Case("REF-07", "A refund without a receipt over 100 is refused", no_receipt_over_100),
    Case("REF-08", "A sale from another till cannot be refunded here", other_till),
    Case("REF-09", "A refund Stripe fails after accepting it becomes failed and a task",
         stripe_refuses,
         EMULATOR_ONLY),
    Case("REF-10", "Every refund is recorded in the audit trail", refund_audited),
]
