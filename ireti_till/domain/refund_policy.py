"""Refund policy: the authorisation matrix and how a refund is split across payments (pure).

Two questions, two functions:

``RefundMatrix.decide(context)`` - *who* must approve this refund. The matrix is a list of
rules; each rule has conditions (amount over, sale older than, no receipt, the cashier's
refunds today over, sale rung on another till) that must all hold for it to match, and an
outcome: the role that may approve, whether that must be a second person, whether only cash
may be paid out, or a plain refusal. The decision is the strictest of all matching rules.
The shipped default and its reasoning are in ``docs/refund-procedures.md``.

``allocate_refund(sale, amount)`` - *where* the money goes. Each payment is refunded to
itself: card money back to its own PaymentIntent, cash from the drawer; never card money as
cash (the classic laundering and refund-to-self fraud). A partial refund of a sale paid with
several tenders is split in proportion to what each payment has left (largest remainder, so
the parts add up exactly), which also guarantees that no payment is refunded more than it
has left. An authorised but uncaptured card payment is cancelled instead of refunded; that
is only possible when the refund covers everything left, and a payment whose capture is
still queued cannot be refunded until the capture has gone (refunding first would race it).
A refund is never refunded (return the goods sold on it instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from ireti_till.domain.errors import AuthorisationError, ConfigError, InputError
from ireti_till.domain.money import Money
from ireti_till.domain.staff import Role, StaffMember


class RefundRefused(AuthorisationError):
    code = "IT-440"


# --- the authorisation matrix -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundContext:
    amount: Money
    requester: StaffMember
    receipt: bool  # the original sale was found from its receipt
    sale_age: timedelta | None = None  # None without a receipt
    refunded_today: Money | None = None  # this requester's refunds today, before this one
    other_till: bool = False


@dataclass(frozen=True, slots=True)
class RefundRule:
    name: str
    role: Role = Role.SUPERVISOR
    amount_over: Money | None = None
    age_over: timedelta | None = None
    without_receipt: bool = False
    daily_total_over: Money | None = None  # requester's refunds today *including* this one
    other_till: bool = False
    second_person: bool = False  # even a requester holding ``role`` needs someone else
    cash_only: bool = False
    refuse: bool = False

    def matches(self, ctx: RefundContext) -> bool:
        if self.amount_over is not None and not ctx.amount > self.amount_over:
            return False
        if self.age_over is not None and (ctx.sale_age is None or ctx.sale_age <= self.age_over):
            return False
        if self.without_receipt and ctx.receipt:
            return False
        if self.other_till and not ctx.other_till:
            return False
        if self.daily_total_over is not None:
            today = ctx.refunded_today or Money.zero(ctx.amount.currency)
            if not today + ctx.amount > self.daily_total_over:
                return False
        return True


@dataclass(frozen=True, slots=True)
class RefundDecision:
    approver_role: Role | None  # None: the requester's own role is enough
    second_person: bool
    cash_only: bool
    rules: tuple[str, ...]  # names of the rules that matched, for the record

    def needs_approval(self, requester: StaffMember) -> bool:
        if self.approver_role is None:
            return False
        return self.second_person or not requester.role.at_least(self.approver_role)


@dataclass(frozen=True, slots=True)
class RefundMatrix:
    currency: str
    rules: tuple[RefundRule, ...] = field(default_factory=tuple)

    def decide(self, ctx: RefundContext) -> RefundDecision:
        if ctx.amount.currency != self.currency:
            raise InputError(f"This till refunds in {self.currency}", code="IT-447")
        if ctx.amount.minor <= 0:
            raise RefundRefused("A refund must be more than zero", code="IT-441")
        matched = [r for r in self.rules if r.matches(ctx)]
        for rule in matched:
            if rule.refuse:
                raise RefundRefused(
                    f"Store policy does not allow this refund ({rule.name})", code="IT-446"
                )
        role: Role | None = None
        for rule in matched:
            if role is None or rule.role.rank > role.rank:
                role = rule.role
        return RefundDecision(
            approver_role=role,
            second_person=any(r.second_person for r in matched),
            cash_only=any(r.cash_only for r in matched) or not ctx.receipt,
            rules=tuple(r.name for r in matched),
        )


def default_matrix(currency: str) -> RefundMatrix:
    """The shipped default (amounts in major units of ``currency``; see the docs)."""

    def m(major: int) -> Money:
        return Money.from_decimal(Decimal(major), currency)

    return RefundMatrix(currency, (
        RefundRule("other till", other_till=True, refuse=True),
        RefundRule("no receipt", without_receipt=True, second_person=True, cash_only=True),
        RefundRule("no receipt, over 100", without_receipt=True, amount_over=m(100), refuse=True),
        RefundRule("over cashier limit 50", amount_over=m(50)),
        RefundRule("over 1000", role=Role.ADMIN, amount_over=m(1000)),
        RefundRule("sale older than 30 days", age_over=timedelta(days=30)),
        RefundRule("sale older than 90 days", role=Role.ADMIN, age_over=timedelta(days=90)),
        RefundRule("cashier's refunds today over 200", daily_total_over=m(200)),
    ))


_RULE_KEYS: Final = {
    "name", "role", "amount_over", "age_over_days", "without_receipt", "daily_total_over",
    "other_till", "second_person", "cash_only", "refuse",
}


def _money(value: Any, currency: str, where: str) -> Money:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ConfigError(f"{where}: {value!r} is not an amount", code="IT-448") from exc
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{where}: {value!r} is not an amount", code="IT-448")
    try:
        return Money.from_decimal(amount, currency)
    except InputError as exc:
        raise ConfigError(f"{where}: {exc.message}", code="IT-448") from exc


def matrix_from_config(rules: Sequence[Mapping[str, Any]], currency: str) -> RefundMatrix:
    """Build a matrix from ``[[refunds.rules]]`` tables; amounts are major-unit strings."""
    built: list[RefundRule] = []
    for i, raw in enumerate(rules, start=1):
        where = f"refunds.rules[{i}]"
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}", code="IT-448")
        try:
            role = Role(raw.get("role", "supervisor"))
        except ValueError as exc:
            raise ConfigError(f"{where}: role must be cashier, supervisor or admin",
                              code="IT-448") from exc
        days = raw.get("age_over_days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
            raise ConfigError(f"{where}: age_over_days must be a whole number", code="IT-448")
        flags = {}
        for key in ("without_receipt", "other_till", "second_person", "cash_only", "refuse"):
            value = raw.get(key, False)
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {key} must be true or false", code="IT-448")
            flags[key] = value
        built.append(RefundRule(
            name=str(raw.get("name", f"rule {i}")),
            role=role,
            amount_over=None if raw.get("amount_over") is None
            else _money(raw["amount_over"], currency, f"{where}.amount_over"),
            age_over=None if days is None else timedelta(days=days),
            daily_total_over=None if raw.get("daily_total_over") is None
            else _money(raw["daily_total_over"], currency, f"{where}.daily_total_over"),
            **flags,
        ))
    return RefundMatrix(currency, tuple(built))


# --- allocation across the payments of one sale --------------------------------------------


class PaymentStatus(StrEnum):
    SETTLED = "settled"  # cash taken, or card captured
    CAPTURE_QUEUED = "capture_queued"  # authorised; the capture waits in the outbox
    AUTHORISED = "authorised"  # authorised, not captured, nothing queued


class LegAction(StrEnum):
    CARD_REFUND = "card_refund"  # a Stripe refund of that PaymentIntent (sent by the worker)
    CARD_CANCEL = "card_cancel"  # cancel the uncaptured PaymentIntent instead
    CASH_OUT = "cash_out"  # paid from the drawer


@dataclass(frozen=True, slots=True)
class PaymentPosition:
    payment_ref: str  # the local tender/attempt id
    kind: str  # "cash" | "card"
    amount: Money  # what this payment put towards the sale
    refunded: Money  # refunds so far (pending ones included)
    status: PaymentStatus = PaymentStatus.SETTLED

    @property
    def remaining(self) -> Money:
        return self.amount - self.refunded


@dataclass(frozen=True, slots=True)
class SaleRefundState:
    sale_id: str
    till_id: str
    currency: str
    payments: tuple[PaymentPosition, ...]
    is_refund: bool = False  # the "sale" is itself a refund

    @property
    def remaining(self) -> Money:
        total = Money.zero(self.currency)
        for p in self.payments:
            total = total + p.remaining
        return total


@dataclass(frozen=True, slots=True)
class RefundLeg:
    payment_ref: str | None  # None: a receipt-less cash refund
    action: LegAction
    amount: Money


def check_refundable(sale: SaleRefundState, amount: Money, this_till: str) -> None:
    if sale.is_refund:
        raise RefundRefused("A refund cannot be refunded again", code="IT-442")
    if sale.till_id != this_till:
        raise RefundRefused(
            f"This sale was rung on till {sale.till_id}; refund it there", code="IT-443"
        )
    if amount.currency != sale.currency:
        raise InputError(f"This sale was paid in {sale.currency}", code="IT-447")
    if amount.minor <= 0:
        raise RefundRefused("A refund must be more than zero", code="IT-441")
    left = sale.remaining
    if amount > left:
        raise RefundRefused(f"Only {left} of this sale is left to refund", code="IT-444")


def allocate_refund(
    sale: SaleRefundState, amount: Money, this_till: str
) -> tuple[RefundLeg, ...]:
    """Split ``amount`` across the sale's payments (proportional to what each has left)."""
    check_refundable(sale, amount, this_till)
    open_ = [p for p in sale.payments if p.remaining.minor > 0]
    if any(p.kind == "card" and p.status is PaymentStatus.CAPTURE_QUEUED for p in open_):
        raise RefundRefused(
            "A card payment of this sale is still waiting to be captured; "
            "refund it once the queue has sent the capture",
            code="IT-445",
        )
    full = amount == sale.remaining
    parts = amount.allocate([p.remaining.minor for p in open_])
    legs: list[RefundLeg] = []
    for payment, part in zip(open_, parts, strict=True):
        if part.minor == 0:
            continue
        assert part <= payment.remaining  # largest remainder never exceeds a weight
        if payment.kind == "cash":
            action = LegAction.CASH_OUT
        elif payment.status is PaymentStatus.AUTHORISED:
            if not (full and payment.refunded.minor == 0):
                raise RefundRefused(
                    "A card payment of this sale is authorised but not captured: only the "
                    "whole sale can be refunded (its authorisation is cancelled)",
                    code="IT-445",
                )
            action = LegAction.CARD_CANCEL
        else:
            action = LegAction.CARD_REFUND
        legs.append(RefundLeg(payment.payment_ref, action, part))
    return tuple(legs)


def receiptless_legs(amount: Money) -> tuple[RefundLeg, ...]:
    if amount.minor <= 0:
        raise RefundRefused("A refund must be more than zero", code="IT-441")
    return (RefundLeg(None, LegAction.CASH_OUT, amount),)


def line_refund_amount(line_total: Money, quantity: int, already: int, more: int) -> Money:
    """What refunding ``more`` units of a line costs, when ``already`` were refunded before.

    Computed as a difference of floors, so refunding a line unit by unit adds up to exactly
    the line total (the last unit takes the rounding remainder).
    """
    if more <= 0:
        raise RefundRefused("Choose at least one item to refund", code="IT-441")
    if already < 0 or already + more > quantity:
        raise RefundRefused(
            f"Only {quantity - already} of this line are left to refund", code="IT-444"
        )
    total = line_total.minor
    part = total * (already + more) // quantity - total * already // quantity
    return Money(part, line_total.currency)


# Till ids may contain "-" (SHOP-1): the number is what follows the *last* "-".
_RECEIPT: Final = re.compile(r"([A-Za-z0-9_-]{1,16})-([0-9]{1,9})")
_REFUND: Final = re.compile(r"([A-Za-z0-9_-]{1,16})-R([0-9]{1,9})", re.IGNORECASE)


def parse_receipt_code(text: str) -> tuple[str, int] | None:
    """``SHOP-1-000042`` -> ("SHOP-1", 42); None when ``text`` is not a receipt code."""
    found = _RECEIPT.fullmatch(text)
    return (found.group(1), int(found.group(2))) if found else None


def is_refund_code(text: str) -> bool:
    return _REFUND.fullmatch(text) is not None


def shop_midnight(now: datetime, tz: tzinfo | None) -> datetime:
    """The start of the shop's day containing ``now``: local midnight in ``tz`` (or this
    computer's zone), so a cashier's daily refund limit resets when the shop's day does."""
    if tz is None:  # a naive local time, made aware with the offset it has at midnight
        return datetime.combine(now.astimezone().date(), time(0)).astimezone()
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
