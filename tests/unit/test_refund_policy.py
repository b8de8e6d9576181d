"""The refund authorisation matrix and allocation across payments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ireti_till.domain.errors import ConfigError, InputError
from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import (
    LegAction,
    PaymentPosition,
    PaymentStatus,
    RefundContext,
    RefundRefused,
    SaleRefundState,
    allocate_refund,
    default_matrix,
    line_refund_amount,
    matrix_from_config,
    receiptless_legs,
)
from ireti_till.domain.staff import Role, StaffMember

CASHIER = StaffMember("c", "Ada", Role.CASHIER)
SUPER = StaffMember("s", "Bola", Role.SUPERVISOR)
M = default_matrix("EUR")


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def ctx(amount: int, who: StaffMember = CASHIER, **kw: object) -> RefundContext:
    kw.setdefault("receipt", True)
    kw.setdefault("sale_age", timedelta(days=1))
    return RefundContext(eur(amount), who, **kw)  # type: ignore[arg-type]


def test_small_refund_with_receipt_needs_nobody() -> None:
    d = M.decide(ctx(5000))
    assert d.approver_role is None and not d.needs_approval(CASHIER) and not d.cash_only


def test_over_cashier_limit_needs_supervisor_but_not_for_a_supervisor() -> None:
    d = M.decide(ctx(5001))
    assert d.approver_role is Role.SUPERVISOR
    assert d.needs_approval(CASHIER) and not d.needs_approval(SUPER)


def test_strictest_rule_wins() -> None:
    d = M.decide(ctx(100_001))
    assert d.approver_role is Role.ADMIN and d.needs_approval(SUPER)
    d = M.decide(ctx(100, sale_age=timedelta(days=91)))
    assert d.approver_role is Role.ADMIN
    assert "sale older than 90 days" in d.rules


def test_age_rule() -> None:
    assert M.decide(ctx(100, sale_age=timedelta(days=30))).approver_role is None
    assert M.decide(ctx(100, sale_age=timedelta(days=31))).approver_role is Role.SUPERVISOR


def test_daily_total_rule_counts_this_refund() -> None:
    assert M.decide(ctx(4000, refunded_today=eur(16_000))).approver_role is None
    assert M.decide(ctx(4001, refunded_today=eur(16_000))).approver_role is Role.SUPERVISOR


def test_no_receipt_is_cash_only_and_always_a_second_supervisor() -> None:
    d = M.decide(ctx(100, receipt=False, sale_age=None))
    assert d.cash_only and d.second_person and d.approver_role is Role.SUPERVISOR
    assert d.needs_approval(SUPER)  # even a supervisor needs someone else
    with pytest.raises(RefundRefused) as info:
        M.decide(ctx(10_001, receipt=False, sale_age=None))
    assert info.value.code == "IT-446"


def test_other_till_refused_by_default() -> None:
    with pytest.raises(RefundRefused):
        M.decide(ctx(100, other_till=True))


@pytest.mark.parametrize("amount", [0, -100])
def test_negative_or_zero_amount_refused(amount: int) -> None:
    with pytest.raises(RefundRefused) as info:
        M.decide(ctx(amount))
    assert info.value.code == "IT-441"


def test_currency_must_match() -> None:
    with pytest.raises(InputError):
        M.decide(RefundContext(Money(100, "GBP"), CASHIER, receipt=True))


def test_matrix_from_config() -> None:
    m = matrix_from_config([
        {"name": "big", "role": "admin", "amount_over": "20.00"},
        {"name": "other", "other_till": True, "role": "supervisor"},
    ], "EUR")
    assert m.decide(ctx(2001)).approver_role is Role.ADMIN
    assert m.decide(ctx(100, other_till=True)).approver_role is Role.SUPERVISOR
    for bad in ({"role": "boss"}, {"amount_over": "abc"}, {"amount_over": "1.001"},
                {"colour": "red"}, {"refuse": "yes"}, {"age_over_days": -1},
                {"amount_over": "-5"}):
        with pytest.raises(ConfigError) as info:
            matrix_from_config([bad], "EUR")
        assert "refunds.rules[1]" in info.value.message


# --- allocation ---------------------------------------------------------------------


def pos(ref: str, kind: str, amount: int, refunded: int = 0,
        status: PaymentStatus = PaymentStatus.SETTLED) -> PaymentPosition:
    return PaymentPosition(ref, kind, eur(amount), eur(refunded), status)


def sale(*payments: PaymentPosition, till: str = "T1", is_refund: bool = False) -> SaleRefundState:
    return SaleRefundState("s1", till, "EUR", payments, is_refund)


def test_two_cards_split_proportionally_to_their_own_payments() -> None:
    s = sale(pos("card-a", "card", 3000), pos("card-b", "card", 1000))
    legs = allocate_refund(s, eur(2000), "T1")
    assert [(leg.payment_ref, leg.action, leg.amount.minor) for leg in legs] == [
        ("card-a", LegAction.CARD_REFUND, 1500), ("card-b", LegAction.CARD_REFUND, 500)]


def test_card_money_never_comes_back_as_cash() -> None:
    s = sale(pos("cash", "cash", 1000), pos("card", "card", 9000))
    legs = allocate_refund(s, eur(1000), "T1")
    assert {leg.payment_ref: leg.amount.minor for leg in legs} == {"cash": 100, "card": 900}


def test_refund_above_what_is_left_refused() -> None:
    s = sale(pos("a", "card", 3000, refunded=2500), pos("b", "cash", 1000, refunded=1000))
    with pytest.raises(RefundRefused) as info:
        allocate_refund(s, eur(501), "T1")
    assert info.value.code == "IT-444"
    (leg,) = allocate_refund(s, eur(500), "T1")
    assert leg.payment_ref == "a" and leg.amount == eur(500)


def test_refund_of_a_refund_and_other_till_refused() -> None:
    with pytest.raises(RefundRefused) as info:
        allocate_refund(sale(pos("a", "cash", 100), is_refund=True), eur(100), "T1")
    assert info.value.code == "IT-442"
    with pytest.raises(RefundRefused) as info:
        allocate_refund(sale(pos("a", "cash", 100), till="T2"), eur(100), "T1")
    assert info.value.code == "IT-443"


def test_negative_refund_refused() -> None:
    with pytest.raises(RefundRefused):
        allocate_refund(sale(pos("a", "cash", 100)), eur(-1), "T1")
    with pytest.raises(RefundRefused):
        receiptless_legs(eur(0))


def test_capture_still_queued_refused() -> None:
    s = sale(pos("a", "card", 1000, status=PaymentStatus.CAPTURE_QUEUED))
    with pytest.raises(RefundRefused) as info:
        allocate_refund(s, eur(1000), "T1")
    assert info.value.code == "IT-445"


def test_uncaptured_card_is_cancelled_on_full_refund_only() -> None:
    s = sale(pos("a", "card", 1000, status=PaymentStatus.AUTHORISED), pos("b", "cash", 500))
    legs = allocate_refund(s, eur(1500), "T1")
    assert [(leg.action, leg.amount.minor) for leg in legs] == [
        (LegAction.CARD_CANCEL, 1000), (LegAction.CASH_OUT, 500)]
    with pytest.raises(RefundRefused):
        allocate_refund(s, eur(700), "T1")


def test_receiptless_is_one_cash_leg() -> None:
    (leg,) = receiptless_legs(eur(800))
    assert leg.payment_ref is None and leg.action is LegAction.CASH_OUT


@given(
    st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 10**6)), min_size=1, max_size=5),
    st.integers(1, 5 * 10**6),
)
def test_allocation_sums_exactly_and_never_exceeds_a_payment(
    raw: list[tuple[int, int]], amount: int
) -> None:
    payments = tuple(pos(f"p{i}", "card" if i % 2 else "cash", a, min(r, a))
                     for i, (a, r) in enumerate(raw))
    s = sale(*payments)
    left = s.remaining.minor
    if amount > left or left == 0:
        with pytest.raises(RefundRefused):
            allocate_refund(s, eur(amount), "T1")
        return
    legs = allocate_refund(s, eur(amount), "T1")
    assert sum(leg.amount.minor for leg in legs) == amount
    by_ref = {p.payment_ref: p for p in payments}
    for leg in legs:
        assert leg.payment_ref is not None
        p = by_ref[leg.payment_ref]
        assert 0 < leg.amount.minor <= p.remaining.minor
        assert (leg.action is LegAction.CASH_OUT) == (p.kind == "cash")


@given(st.integers(0, 10**6), st.integers(1, 50), st.data())
def test_line_refunds_unit_by_unit_add_up(total: int, qty: int, data: st.DataObject) -> None:
    done, parts = 0, []
    while done < qty:
        more = data.draw(st.integers(1, qty - done))
        parts.append(line_refund_amount(eur(total), qty, done, more).minor)
        done += more
    assert sum(parts) == total
    with pytest.raises(RefundRefused):
        line_refund_amount(eur(total), qty, qty, 1)
