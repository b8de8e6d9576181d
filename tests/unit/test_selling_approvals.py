"""Approvals are enforced by the sale service, not the screen: a price override or a large
discount without a covering approval raises ``ApprovalRequired`` (kind, role, amount) and
changes nothing; an approval covers one change; amounts round half-up; a void is audited
before the basket changes (no entry, no void)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from ireti_till.domain.errors import LedgerError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import (
    Approval,
    ApprovalRequired,
    DiscountThreshold,
    OverrideKind,
    OverrideRules,
    discount_off,
)
from ireti_till.domain.staff import Role
from ireti_till.services.selling import SaleService
from tests.fakes import FakeClock, FakeLedger, FakeUnitOfWorkFactory, make_product, make_settings


@dataclass
class AuditTrail:
    entries: list[tuple[str, str, dict[str, str | int]]] = field(default_factory=list)
    broken: bool = False

    def record(self, kind: str, actor: str, details: Mapping[str, str | int]) -> object:
        if self.broken:
            raise OSError("disk full")
        self.entries.append((kind, actor, dict(details)))
        return None


RULES = OverrideRules()


def service(audit: AuditTrail | None = None, rules: OverrideRules | None = RULES,
            price_minor: int = 333) -> SaleService:
    factory = FakeUnitOfWorkFactory(FakeLedger([make_product(1, price_minor)]))
    trail = audit or AuditTrail()
    svc = SaleService(factory, make_settings(), FakeClock(), "Ann", True, rules=rules,
                      audit=lambda: trail, actor_id="u-ann")
    svc.add_product("SKU-0001")
    return svc


def approval(kind: OverrideKind, amount: Money | None, sale_id: UUID | None) -> Approval:
    return Approval(uuid4(), kind, "u-ann", "u-sue", "Sue", "damaged", amount, sale_id,
                    datetime(2026, 1, 15, 9, 31, tzinfo=UTC))


def test_a_price_override_without_approval_is_refused_and_changes_nothing() -> None:
    svc = service()
    before = svc.view()
    with pytest.raises(ApprovalRequired) as err:
        svc.override_price(1, Money(100, "EUR"), "damaged packaging")
    assert err.value.code == "IT-480" and err.value.kind is OverrideKind.PRICE_OVERRIDE
    assert err.value.role is Role.SUPERVISOR and err.value.amount == Money(100, "EUR")
    assert svc.view() == before


def test_an_approval_covers_exactly_one_change_of_that_price_on_that_sale() -> None:
    svc = service()
    price = Money(100, "EUR")
    with pytest.raises(ApprovalRequired) as other_price:
        svc.override_price(1, price, "damaged", approval(OverrideKind.PRICE_OVERRIDE,
                                                          Money(50, "EUR"), svc.sale_id))
    assert other_price.value.code == "IT-481"
    with pytest.raises(ApprovalRequired) as other_sale:
        svc.override_price(1, price, "damaged", approval(OverrideKind.PRICE_OVERRIDE, price,
                                                          uuid4()))
    assert other_sale.value.code == "IT-481"
    good = approval(OverrideKind.PRICE_OVERRIDE, price, svc.sale_id)
    assert svc.override_price(1, price, "damaged", good).lines[0].unit_price == price
    with pytest.raises(ApprovalRequired) as again:
        svc.override_price(1, price, "damaged", good)
    assert again.value.code == "IT-482"


def test_the_amount_asked_for_a_discount_rounds_half_up() -> None:
    # 15 % of 3.33 is 0.4995: the till asks for 0.50 (int() would have said 0.49)
    assert discount_off(Money(333, "EUR"), Decimal(15), None) == Money(50, "EUR")
    svc = service(price_minor=333)
    with pytest.raises(ApprovalRequired) as err:
        svc.line_discount(1, percent=Decimal(15))
    assert err.value.kind is OverrideKind.DISCOUNT_ABOVE_THRESHOLD
    assert err.value.amount == Money(50, "EUR")
    short = approval(OverrideKind.DISCOUNT_ABOVE_THRESHOLD, Money(49, "EUR"), svc.sale_id)
    with pytest.raises(ApprovalRequired):
        svc.line_discount(1, percent=Decimal(15), approval=short)
    enough = approval(OverrideKind.DISCOUNT_ABOVE_THRESHOLD, Money(50, "EUR"), svc.sale_id)
    assert svc.line_discount(1, percent=Decimal(15), approval=enough).lines[0].discount_text


def test_small_discounts_and_amounts_as_a_percentage_follow_the_threshold() -> None:
    svc = service(price_minor=1000)
    assert svc.line_discount(1, percent=Decimal(10)).lines[0].discount.minor == 100
    with pytest.raises(ApprovalRequired):  # 2.00 off 10.00 is 20 %
        svc.basket_discount(amount=Money(200, "EUR"))
    limit = DiscountThreshold(percent=Decimal(50))
    svc = service(rules=OverrideRules(discount=limit), price_minor=1000)
    assert svc.basket_discount(amount=Money(200, "EUR")).basket_discount.minor == 200


def test_without_staff_rules_nobody_is_asked() -> None:
    svc = service(rules=None)
    assert svc.override_price(1, Money(1, "EUR"), "shelf price").lines[0].unit_price.minor == 1


def test_a_void_is_audited_before_the_line_goes() -> None:
    trail = AuditTrail()
    svc = service(trail)
    sale_id = str(svc.sale_id)
    svc.add_product("SKU-0001")
    svc.void_line(2)
    kind, actor, details = trail.entries[-1]
    assert (kind, actor) == ("void", "u-ann")
    assert details["scope"] == "line" and details["line_no"] == 2
    assert details["sale_id"] == sale_id and details["amount_minor"] == 333
    svc.cancel_sale()
    assert trail.entries[-1][2]["scope"] == "sale" and trail.entries[-1][2]["lines"] == 1


def test_no_audit_entry_no_void() -> None:
    trail = AuditTrail(broken=True)
    svc = service(trail)
    with pytest.raises(LedgerError) as err:
        svc.void_line(1)
    assert err.value.code == "IT-384" and len(svc.view().lines) == 1
    with pytest.raises(LedgerError):
        svc.cancel_sale()
    assert len(svc.view().lines) == 1


# voiding a line: [staff] void_line_above ---------------------------------------------
def test_a_void_up_to_the_threshold_needs_nobody_and_one_minor_unit_more_does() -> None:
    at = service(price_minor=2000)  # default threshold "20": 20.00 is not more
    assert at.void_line(1).is_empty
    above = service(price_minor=2001)
    with pytest.raises(ApprovalRequired) as err:
        above.void_line(1)
    assert (err.value.code, err.value.kind, err.value.amount) == (
        "IT-480", OverrideKind.VOID_LINE, Money(2001, "EUR"))
    assert len(above.view().lines) == 1


def test_zero_means_every_void_and_none_means_no_void_needs_a_supervisor() -> None:
    every = service(rules=OverrideRules(void_line_above=Decimal(0)), price_minor=1)
    with pytest.raises(ApprovalRequired):
        every.void_line(1)
    never = service(rules=OverrideRules(void_line_above=None), price_minor=99_999)
    assert never.void_line(1).is_empty


def test_the_threshold_rounds_half_up_to_minor_units() -> None:
    rules = OverrideRules(void_line_above=Decimal("0.125"))  # 12.5 cents -> 13, not 12
    assert not rules.void_needs_approval(Money(13, "EUR"))
    assert rules.void_needs_approval(Money(14, "EUR"))
    assert OverrideRules(void_line_above=Decimal(20)).void_needs_approval(Money(2001, "JPY"))
    assert not OverrideRules(void_line_above=Decimal(20)).void_needs_approval(Money(20, "JPY"))


def test_a_line_is_worth_its_value_before_its_discount() -> None:
    svc = service(rules=OverrideRules(discount=DiscountThreshold(percent=Decimal(50))),
                  price_minor=2100)
    svc.line_discount(1, percent=Decimal(10))  # 18.90 on the line, worth 21.00
    with pytest.raises(ApprovalRequired) as err:
        svc.void_line(1)
    assert err.value.amount == Money(2100, "EUR")


def test_an_approved_void_is_audited_with_the_approval_in_one_entry() -> None:
    trail = AuditTrail()
    svc = service(trail, price_minor=2500)
    small = approval(OverrideKind.VOID_LINE, Money(2499, "EUR"), svc.sale_id)
    with pytest.raises(ApprovalRequired) as short:
        svc.void_line(1, small)
    assert short.value.code == "IT-481" and trail.entries == []
    good = approval(OverrideKind.VOID_LINE, Money(2500, "EUR"), svc.sale_id)
    assert svc.void_line(1, good).is_empty
    assert len(trail.entries) == 1
    kind, actor, details = trail.entries[0]
    assert (kind, actor) == ("void", "u-ann")
    assert details["override_id"] == str(good.override_id)
    assert details["approver_id"] == "u-sue" and details["amount_minor"] == 2500
    svc.add_product("SKU-0001")
    with pytest.raises(ApprovalRequired) as again:  # one approval, one void
        svc.void_line(2, good)
    assert again.value.code == "IT-482"


def test_a_void_approved_by_the_cashier_voiding_is_refused() -> None:
    trail = AuditTrail()
    svc = service(trail, price_minor=2500)
    own = Approval(uuid4(), OverrideKind.VOID_LINE, "u-ann", "u-ann", "Ann", "mistake",
                   Money(2500, "EUR"), svc.sale_id, datetime(2026, 1, 15, 9, 31, tzinfo=UTC))
    with pytest.raises(ApprovalRequired) as err:
        svc.void_line(1, own)
    assert err.value.code == "IT-483" and "own" in err.value.message
    assert len(svc.view().lines) == 1 and trail.entries == []


def test_no_audit_entry_no_void_and_the_approval_is_not_spent() -> None:
    trail = AuditTrail(broken=True)
    svc = service(trail, price_minor=2500)
    good = approval(OverrideKind.VOID_LINE, Money(2500, "EUR"), svc.sale_id)
    with pytest.raises(LedgerError):
        svc.void_line(1, good)
    assert len(svc.view().lines) == 1
    trail.broken = False
    assert svc.void_line(1, good).is_empty  # the approval still covers the void
    assert trail.entries[-1][2]["override_id"] == str(good.override_id)
