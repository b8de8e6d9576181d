"""Override rules: a second person, holding the role, with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ireti_till.domain.errors import AuthorisationError, InputError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import (
    DiscountThreshold,
    OverrideKind,
    OverrideRequest,
    OverrideRules,
    check_approver,
)
from ireti_till.domain.staff import Role, StaffMember

CASHIER = StaffMember("u-cash", "Ada", Role.CASHIER)
SUPER = StaffMember("u-sup", "Bola", Role.SUPERVISOR)
SUPER2 = StaffMember("u-sup2", "Chi", Role.SUPERVISOR)


def request(requester: StaffMember = CASHIER, **kw: object) -> OverrideRequest:
    return OverrideRequest(OverrideKind.PRICE_OVERRIDE, requester, kw.pop("reason", "damaged box"),
                           Money(500, "EUR"), **kw)  # type: ignore[arg-type]


def test_supervisor_approves_cashier_request() -> None:
    check_approver(request(), SUPER)


def test_supervisor_cannot_approve_own_request() -> None:
    with pytest.raises(AuthorisationError) as info:
        check_approver(request(SUPER), SUPER)
    assert info.value.code == "IT-431"
    check_approver(request(SUPER), SUPER2)  # another supervisor may


def test_cashier_cannot_approve() -> None:
    other = StaffMember("u-c2", "Dayo", Role.CASHIER)
    with pytest.raises(AuthorisationError) as info:
        check_approver(request(), other)
    assert info.value.code == "IT-432"


def test_admin_role_required_when_configured() -> None:
    req = request(required_role=Role.ADMIN)
    with pytest.raises(AuthorisationError):
        check_approver(req, SUPER)
    check_approver(req, StaffMember("u-adm", "Eze", Role.ADMIN))


def test_disabled_approver_refused() -> None:
    with pytest.raises(AuthorisationError) as info:
        check_approver(request(), StaffMember("u-x", "Femi", Role.ADMIN, active=False))
    assert info.value.code == "IT-403"


@pytest.mark.parametrize("reason", ["", "  ", "\x00\x01", "x" * 201])
def test_reason_required_and_bounded(reason: str) -> None:
    with pytest.raises(InputError) as info:
        request(reason=reason)
    assert info.value.code == "IT-433"


def test_reason_is_cleaned() -> None:
    assert request(reason="  torn\u202e label \x07 ").reason == "torn label"


def test_negative_amount_refused() -> None:
    with pytest.raises(InputError):
        OverrideRequest(OverrideKind.NO_SALE_DRAWER, CASHIER, "change", Money(-1, "EUR"))


def test_discount_threshold_and_rules() -> None:
    t = DiscountThreshold(percent=Decimal(10), amount=Money(1000, "EUR"))
    assert not t.exceeded(percent=Decimal(10))
    assert t.exceeded(percent=Decimal("10.5"))
    assert t.exceeded(amount=Money(1001, "EUR"))
    rules = OverrideRules(approver_role=((OverrideKind.VOID_PAID_SALE, Role.ADMIN),))
    assert rules.role_for(OverrideKind.VOID_PAID_SALE) is Role.ADMIN
    assert rules.role_for(OverrideKind.PRICE_OVERRIDE) is Role.SUPERVISOR


@pytest.mark.parametrize("reason", ["card 4242 4242 4242 4242", "pin=4829", "sk_live_abc123"])
def test_reason_must_not_carry_card_data_or_secrets(reason: str) -> None:
    with pytest.raises(InputError) as info:
        request(reason=reason)
    assert info.value.code == "IT-433"
