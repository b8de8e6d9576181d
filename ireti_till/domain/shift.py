"""Shifts and the cash in the drawer (pure): states, settings, movements, counts, over/short.

A shift belongs to one till and its drawer: ``opening -> open -> closing -> closed``. The
cash the drawer should hold is

    expected = float + net cash tendered (cash tender amounts, change already taken out)
               - cash refunded + paid in - paid out

Change is never counted on its own (the sale's cash tender amount is tendered minus change),
and the opening float of a shift is the float counted into *this* shift, never the previous
close: a float carried over is recorded again as this shift's own float movement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from ireti_till.domain.errors import AuthorisationError, InputError, TillError
from ireti_till.domain.money import Money, exponent


class ShiftError(TillError):
    """A shift, cash or drawer rule stopped the action. Nothing was changed."""

    code = "IT-600"


class ApprovalNeeded(AuthorisationError):
    """The action needs a supervisor's approval, which was not given."""

    code = "IT-607"


class ShiftState(StrEnum):
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


#: state -> states it may move to (a closed shift never changes again)
TRANSITIONS: Final[dict[ShiftState, frozenset[ShiftState]]] = {
    ShiftState.OPENING: frozenset({ShiftState.OPEN}),
    ShiftState.OPEN: frozenset({ShiftState.CLOSING}),
    ShiftState.CLOSING: frozenset({ShiftState.OPEN, ShiftState.CLOSED}),
    ShiftState.CLOSED: frozenset(),
}


def check_transition(old: ShiftState, new: ShiftState) -> None:
    if new not in TRANSITIONS[old]:
        raise ShiftError(f"The shift is {old.value}: it cannot become {new.value}. "
                         "Reload the shift screen and try again.", code="IT-603")


class MovementKind(StrEnum):
    FLOAT = "float"
    PAID_IN = "paid_in"
    PAID_OUT = "paid_out"
    NO_SALE = "no_sale"

    @property
    def sign(self) -> int:
        return {"float": 1, "paid_in": 1, "paid_out": -1, "no_sale": 0}[self.value]


@dataclass(frozen=True, slots=True)
class CashMovement:
    movement_id: str
    shift_id: str
    kind: MovementKind
    amount: Money
    reason: str
    actor: str
    approver: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ShiftSettings:
    """Per-store rules (config section ``[shift]``)."""

    currency: str
    denominations: tuple[int, ...]  # minor units of each note and coin, largest first
    paid_limit: Money  # paid in/out above this needs a supervisor
    tolerance: Money  # over/short above this needs a reason and a supervisor

    def __post_init__(self) -> None:
        if not self.denominations or any(d <= 0 for d in self.denominations):
            raise ValueError("denominations must be positive minor amounts")
        object.__setattr__(self, "denominations",
                           tuple(sorted(set(self.denominations), reverse=True)))


#: Notes and coins per currency (minor units); the config may replace them.
DEFAULT_DENOMINATIONS: Final[dict[str, tuple[int, ...]]] = {
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "GBP": (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "USD": (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1),
    "NGN": (100000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 100, 50),
    "JPY": (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1),
}


def default_settings(currency: str) -> ShiftSettings:
    return ShiftSettings(
        currency=currency,
        denominations=DEFAULT_DENOMINATIONS.get(currency, (10000, 5000, 2000, 1000, 500, 100,
                                                           50, 10, 5, 1)),
        paid_limit=Money(50 * 10 ** exponent(currency), currency),
        tolerance=Money(5 * 10 ** exponent(currency), currency),
    )


@dataclass(frozen=True, slots=True)
class CashCount:
    """Quantities per denomination (minor units -> how many)."""

    currency: str
    quantities: tuple[tuple[int, int], ...]  # (denomination, quantity), largest first

    @property
    def total(self) -> Money:
        return Money(sum(d * q for d, q in self.quantities), self.currency)


MAX_QUANTITY: Final = 100_000


def parse_quantity(text: str | int) -> int:
    """A count typed by a person: whole, non-negative, at most 100000. Raises IT-604."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise InputError("Type each count as a whole number", code="IT-604")
    raw = text.strip() if isinstance(text, str) else str(text)
    if raw == "":
        return 0
    if not raw.isascii() or not raw.isdigit():
        shown = f"'{raw}'" if len(raw) <= 12 else "That"
        raise InputError(f"{shown} is not a count: type a whole number of notes or coins "
                         "(0 or more)", code="IT-604")
    value = int(raw)
    if value > MAX_QUANTITY:
        raise InputError(f"{value} is more notes or coins than a drawer holds", code="IT-604")
    return value


def make_count(settings: ShiftSettings, entries: dict[int, str | int]) -> CashCount:
    """Validate a count by denomination: known denominations, whole non-negative counts."""
    known = set(settings.denominations)
    for denom in entries:
        if denom not in known:
            raise InputError(f"{Money(denom, settings.currency)} is not a note or coin of "
                             f"this till's currency ({settings.currency})", code="IT-605")
    quantities = tuple((d, parse_quantity(entries.get(d, 0))) for d in settings.denominations)
    return CashCount(settings.currency, tuple((d, q) for d, q in quantities if q))


@dataclass(frozen=True, slots=True)
class OverShort:
    expected: Money
    counted: Money

    @property
    def difference(self) -> Money:  # positive: over, negative: short
        return self.counted - self.expected

    def beyond(self, tolerance: Money) -> bool:
        return abs(self.difference.minor) > tolerance.minor

    @property
    def label(self) -> str:
        diff = self.difference
        if not diff:
            return "balanced"
        return f"over {diff}" if diff.minor > 0 else f"short {-diff}"


@dataclass(frozen=True, slots=True)
class Shift:
    shift_id: str
    till_id: str
    state: ShiftState
    currency: str
    opened_by: str
    opened_at: datetime
    float_amount: Money
    closed_by: str | None = None
    closed_at: datetime | None = None
    counted: Money | None = None
    expected: Money | None = None
    reason: str | None = None
    approver: str | None = None
    queued_card_accepted_by: str | None = None


def expected_cash(float_total: Money, cash_sales: Money, cash_refunds: Money, paid_in: Money,
                  paid_out: Money) -> Money:
    """The one formula for the cash the drawer should hold (see the module docstring)."""
    return float_total + cash_sales - cash_refunds + paid_in - paid_out
