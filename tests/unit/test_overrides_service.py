"""Override approval with a supervisor PIN: who, with what role, recorded how."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from test_staff_fakes import world

from ireti_till.domain.errors import AuthorisationError, InputError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import OverrideKind, OverrideRules
from ireti_till.domain.refund_policy import RefundContext, default_matrix
from ireti_till.domain.staff import Role

SUPER_PIN = "394817"
ADMIN_PIN = "860274"


def test_supervisor_approves_and_everything_is_recorded() -> None:
    w = world()
    ada, bola = w.user("Ada"), w.user("Bola")
    sale = uuid.uuid4()
    req = w.overrides.request(OverrideKind.PRICE_OVERRIDE, ada, "damaged packaging",
                              Money(350, "EUR"), sale)
    assert [m.name.split()[0] for m in w.overrides.approvers(req)] == ["Bola", "Chidi"]
    approval = w.overrides.approve(req, bola.user_id, SUPER_PIN)
    assert (approval.requester_id, approval.approver_id, approval.reason, approval.amount,
            approval.sale_id) == (ada.user_id, bola.user_id, "damaged packaging",
                                  Money(350, "EUR"), sale)
    assert w.store.overrides == [approval]
    row = w.store.audit[-1]
    assert row.kind == "override_approved" and row.actor == bola.user_id
    for text in (ada.user_id, "damaged packaging", "350", str(sale), "price_override"):
        assert text in row.details
    assert SUPER_PIN not in row.details
    assert w.audit.verify().ok


def test_approval_by_pin_alone_identifies_the_supervisor() -> None:
    w = world()
    req = w.overrides.request(OverrideKind.NO_SALE_DRAWER, w.user("Ada"), "change for a note")
    assert w.overrides.approve(req, None, ADMIN_PIN).approver_id == w.user("Chidi").user_id


def test_supervisor_cannot_approve_own_request_and_it_is_audited() -> None:
    w = world()
    bola = w.user("Bola")
    req = w.overrides.request(OverrideKind.VOID_PAID_SALE, bola, "customer changed mind")
    with pytest.raises(AuthorisationError) as info:
        w.overrides.approve(req, bola.user_id, SUPER_PIN)
    assert info.value.code == "IT-431"
    assert w.store.overrides == [] and w.kinds()[-1] == "override_refused"
    assert w.overrides.approve(req, None, ADMIN_PIN).approver_id == w.user("Chidi").user_id


def test_cashier_pin_is_not_enough() -> None:
    w = world()
    req = w.overrides.request(OverrideKind.PRICE_OVERRIDE, w.user("Ada"), "price tag wrong")
    with pytest.raises(AuthorisationError) as info:
        w.overrides.approve(req, w.user("Tunde").user_id, "7153")
    assert info.value.code == "IT-432"


def test_wrong_supervisor_pin_counts_towards_their_lockout() -> None:
    w = world()
    bola = w.user("Bola")
    req = w.overrides.request(OverrideKind.PRICE_OVERRIDE, w.user("Ada"), "price tag wrong")
    for _ in range(w.staff.lockout.max_failures):
        with pytest.raises(AuthorisationError) as info:
            w.overrides.approve(req, bola.user_id, "000001")
        assert info.value.code == "IT-401"
    with pytest.raises(AuthorisationError) as info:
        w.overrides.approve(req, bola.user_id, SUPER_PIN)
    assert info.value.code == "IT-404"
    assert "lockout" in w.kinds()
    w.clock.advance(minutes=31)
    assert w.overrides.approve(req, bola.user_id, SUPER_PIN)


def test_store_rules_can_require_an_admin() -> None:
    w = world()
    w.overrides.rules = OverrideRules(approver_role=((OverrideKind.VOID_PAID_SALE, Role.ADMIN),))
    req = w.overrides.request(OverrideKind.VOID_PAID_SALE, w.user("Ada"), "wrong items rung")
    with pytest.raises(AuthorisationError):
        w.overrides.approve(req, None, SUPER_PIN)
    w.overrides.approve(req, None, ADMIN_PIN)


def test_refund_above_limit_uses_the_matrix_decision() -> None:
    w = world()
    ada = w.user("Ada")
    ctx = RefundContext(Money(150_000, "EUR"), ada, receipt=True, sale_age=timedelta(days=2))
    decision = default_matrix("EUR").decide(ctx)
    assert decision.needs_approval(ada) and decision.approver_role is Role.ADMIN
    req = w.overrides.request_refund(ada, decision, "faulty TV", ctx.amount, uuid.uuid4())
    with pytest.raises(AuthorisationError):
        w.overrides.approve(req, None, SUPER_PIN)
    assert w.overrides.approve(req, None, ADMIN_PIN).kind is OverrideKind.REFUND_ABOVE_LIMIT


def test_reason_and_amount_are_checked() -> None:
    w = world()
    with pytest.raises(InputError):
        w.overrides.request(OverrideKind.PRICE_OVERRIDE, w.user("Ada"), "")
    with pytest.raises(InputError):
        w.overrides.request(OverrideKind.PRICE_OVERRIDE, w.user("Ada"), "ok reason",
                            Money(-5, "EUR"))


def test_refund_approval_must_cover_the_refund() -> None:
    from ireti_till.services.overrides import check_refund_approval

    w = world()
    ada = w.user("Ada")
    sale = uuid.uuid4()
    amount = Money(8000, "EUR")
    decision = default_matrix("EUR").decide(RefundContext(amount, ada, receipt=True))
    small = default_matrix("EUR").decide(RefundContext(Money(100, "EUR"), ada, receipt=True))
    check_refund_approval(small, ada, Money(100, "EUR"), sale, None)  # needs nobody
    with pytest.raises(AuthorisationError) as info:
        check_refund_approval(decision, ada, amount, sale, None)
    assert info.value.code == "IT-435"
    approval = w.overrides.approve(
        w.overrides.request_refund(ada, decision, "faulty kettle", amount, sale), None, SUPER_PIN)
    check_refund_approval(decision, ada, amount, sale, approval)
    for args in ((Money(8001, "EUR"), sale), (amount, uuid.uuid4())):
        with pytest.raises(AuthorisationError) as info:
            check_refund_approval(decision, ada, args[0], args[1], approval)
        assert info.value.code == "IT-436"
    with pytest.raises(AuthorisationError):
        check_refund_approval(decision, w.user("Tunde"), amount, sale, approval)
