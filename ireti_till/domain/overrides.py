"""Overrides at the point of action: what needs a second person, and who may approve (pure).

The rule that real tills get wrong and this one keeps: the approver is **another person**
than the requester, **holds the role** the override needs, and is recorded together with
the requester, the reason, the amount and the sale. A supervisor who rings a sale is a
requester like anyone else: four eyes means two people, whatever the first one's rank.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from ireti_till.domain.errors import AuthorisationError, InputError
from ireti_till.domain.money import Money, exponent, round_minor
from ireti_till.domain.redaction import contains_secret
from ireti_till.domain.staff import Role, StaffMember


class OverrideKind(StrEnum):
    PRICE_OVERRIDE = "price_override"
    DISCOUNT_ABOVE_THRESHOLD = "discount_above_threshold"
    VOID_PAID_SALE = "void_paid_sale"
    NO_SALE_DRAWER = "no_sale_drawer"
    REFUND_ABOVE_LIMIT = "refund_above_limit"
    SIGN_OUT_UNSENT = "sign_out_unsent"  # signing out while card operations wait to be sent
    PAID_ABOVE_LIMIT = "paid_above_limit"  # paid in/out above the shift's limit
    CASH_OVER_SHORT = "cash_over_short"  # closing count off by more than the tolerance
    CLOSE_CARD_QUEUED = "close_card_queued"  # closing a shift while card work is queued
    VOID_LINE = "void_line"  # voiding a line worth more than [staff] void_line_above

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Final[dict[OverrideKind, str]] = {
    OverrideKind.PRICE_OVERRIDE: "Price override",
    OverrideKind.DISCOUNT_ABOVE_THRESHOLD: "Discount above the limit",
    OverrideKind.VOID_PAID_SALE: "Void a paid sale",
    OverrideKind.NO_SALE_DRAWER: "Open the drawer (no sale)",
    OverrideKind.REFUND_ABOVE_LIMIT: "Refund above the limit",
    OverrideKind.SIGN_OUT_UNSENT: "Sign out with card operations unsent",
    OverrideKind.PAID_ABOVE_LIMIT: "Paid in/out above the limit",
    OverrideKind.CASH_OVER_SHORT: "Cash over/short above the tolerance",
    OverrideKind.CLOSE_CARD_QUEUED: "Close the shift with card work queued",
    OverrideKind.VOID_LINE: "Void a line",
}

#: The role an approver needs for each kind (configurable per store through ``OverrideRules``).
DEFAULT_APPROVER_ROLE: Final[dict[OverrideKind, Role]] = dict.fromkeys(
    OverrideKind, Role.SUPERVISOR
)

MAX_REASON: Final = 200


def clean_reason(text: str) -> str:
    """NFC, no control or bidi characters, trimmed; a reason is required (3..200 chars)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    if len(text) < 3:
        raise InputError("Give a reason for the override (a few words)", code="IT-433")
    if len(text) > MAX_REASON:
        raise InputError(f"The reason is longer than {MAX_REASON} characters", code="IT-433")
    if contains_secret(text):
        raise InputError("Do not type card numbers, PINs or passwords in a reason",
                         code="IT-433")
    return text


@dataclass(frozen=True, slots=True)
class DiscountThreshold:
    """Discounts above either limit need an override (percent of the line, or an amount)."""

    percent: Decimal = Decimal(10)
    amount: Money | None = None

    def exceeded(self, *, percent: Decimal | None = None, amount: Money | None = None) -> bool:
        if percent is not None and percent > self.percent:
            return True
        return amount is not None and self.amount is not None and amount > self.amount

    def needs_approval(self, base: Money, percent: Decimal | None,
                       amount: Money | None) -> bool:
        """Is this discount of ``base`` above the limit? An amount off also counts as the
        percentage of ``base`` it is."""
        if self.exceeded(percent=percent, amount=amount):
            return True
        if amount is not None and base.minor > 0:
            return self.exceeded(percent=Decimal(amount.minor) * 100 / Decimal(base.minor))
        return False


def discount_off(base: Money, percent: Decimal | None, amount: Money | None) -> Money:
    """What a discount takes off ``base``: the amount, or the percentage rounded half-up
    (``Money.scale``), never more than ``base``."""
    off = amount if amount is not None else base.scale((percent or Decimal(0)) / 100)
    return off if off <= base else base


#: ``[staff] void_line_above`` when the file does not say: voiding a line worth more than
#: 20 (major units of the store currency) needs a supervisor.
DEFAULT_VOID_LINE_ABOVE: Final = Decimal(20)


@dataclass(frozen=True, slots=True)
class OverrideRules:
    approver_role: tuple[tuple[OverrideKind, Role], ...] = tuple(DEFAULT_APPROVER_ROLE.items())
    discount: DiscountThreshold = DiscountThreshold()
    #: voiding a line worth more than this (major units) needs a supervisor; 0: every
    #: void does; None: none does
    void_line_above: Decimal | None = DEFAULT_VOID_LINE_ABOVE

    def role_for(self, kind: OverrideKind) -> Role:
        return dict(self.approver_role).get(kind, Role.SUPERVISOR)

    def void_needs_approval(self, worth: Money) -> bool:
        """Does voiding a line worth ``worth`` need a supervisor? The threshold becomes
        minor units of ``worth``'s currency rounded half-up (``money.round_minor``)."""
        above = self.void_line_above
        if above is None:
            return False
        if above == 0:
            return True
        return worth.minor > round_minor(above.scaleb(exponent(worth.currency)))


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    kind: OverrideKind
    requester: StaffMember
    reason: str
    amount: Money | None = None
    sale_id: UUID | None = None
    required_role: Role = Role.SUPERVISOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", clean_reason(self.reason))
        if self.amount is not None and self.amount.is_negative():
            raise InputError("An override amount cannot be negative", code="IT-434")


@dataclass(frozen=True, slots=True)
class Approval:
    """A granted override, as recorded (and as the caller receives it)."""

    override_id: UUID
    kind: OverrideKind
    requester_id: str
    approver_id: str
    approver_name: str
    reason: str
    amount: Money | None
    sale_id: UUID | None
    approved_at: datetime


class ApprovalRequired(AuthorisationError):
    """A change needs a supervisor's approval that was not given, does not cover it, or was
    already spent. ``kind``, ``role`` and ``amount`` say what to ask for (the screen asks
    for the PIN and calls again with the approval); nothing was changed."""

    def __init__(self, kind: OverrideKind, role: Role, amount: Money | None, *,
                 code: str = "IT-480", why: str = "") -> None:
        what = f"{kind.label}" + (f" of {amount.format()}" if amount is not None else "")
        super().__init__(why or f"{what} needs a {role.value}'s PIN: nothing was changed",
                         code=code)
        self.kind, self.role, self.amount = kind, role, amount


SELF_APPROVED: Final = "IT-483"


def require_approval(approval: Approval | None, rules: OverrideRules, kind: OverrideKind,
                     amount: Money | None, sale_id: UUID | None,
                     spent: frozenset[UUID] = frozenset(),
                     requester_id: str | None = None) -> Approval:
    """The approval if it covers ``kind`` for ``amount`` on ``sale_id`` (a price override:
    that exact price; a discount or a void: at least that much), else ``ApprovalRequired``.
    An approval given by ``requester_id`` (the person making the change) is refused
    (IT-483): four eyes means two people."""
    role = rules.role_for(kind)
    if approval is None:
        raise ApprovalRequired(kind, role, amount)
    if requester_id is not None and approval.approver_id == requester_id:
        raise ApprovalRequired(kind, role, amount, code=SELF_APPROVED,
                               why="You cannot approve your own change: another person "
                                   f"with the {role.value} role types their PIN")
    if approval.override_id in spent:
        raise ApprovalRequired(kind, role, amount, code="IT-482",
                               why="That approval was already used: ask again")
    covers = approval.kind is kind and approval.sale_id == sale_id and (
        amount is None or (approval.amount is not None and (
            approval.amount == amount if kind is OverrideKind.PRICE_OVERRIDE
            else approval.amount >= amount)))
    if not covers:
        raise ApprovalRequired(kind, role, amount, code="IT-481",
                               why=f"The approval given does not cover this "
                                   f"{kind.label.lower()}: ask again")
    return approval


def check_approver(request: OverrideRequest, approver: StaffMember) -> None:
    """Raise ``AuthorisationError`` unless ``approver`` may approve ``request``."""
    if approver.user_id == request.requester.user_id:
        raise AuthorisationError(
            "An override needs a second person: you cannot approve your own request",
            code="IT-431",
        )
    if not approver.active:
        raise AuthorisationError("This account is disabled", code="IT-403")
    if not approver.role.at_least(request.required_role):
        raise AuthorisationError(
            f"{request.kind.label} needs a {request.required_role.value}'s PIN; "
            f"{approver.name} is a {approver.role.value}",
            code="IT-432",
        )
