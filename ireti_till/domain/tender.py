"""Cash tender, change due, and the quick-cash buttons.

Quick cash: the exact amount first, then for each note of the currency (smallest first)
the smallest multiple of that note that covers the amount due, deduplicated and in
ascending order, at most ``MAX_QUICK_CASH`` options in all. EUR 13.40 gives
13.40, 15, 20, 50, 100. Currencies without a table use ``DEFAULT_NOTES``.
"""

from __future__ import annotations

from typing import Final

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import MAX_MINOR, Money, exponent
from ireti_till.domain.sale import Tender

#: Note values in major units, smallest first.
NOTES: Final[dict[str, tuple[int, ...]]] = {
    "EUR": (5, 10, 20, 50, 100, 200),
    "GBP": (5, 10, 20, 50),
    "USD": (1, 5, 10, 20, 50, 100),
    "JPY": (1000, 2000, 5000, 10000),
    "NGN": (100, 200, 500, 1000),
    "CHF": (10, 20, 50, 100, 200),
    "KWD": (1, 5, 10, 20),
}
DEFAULT_NOTES: Final[tuple[int, ...]] = (5, 10, 20, 50, 100)
MAX_QUICK_CASH: Final[int] = 5


def notes_for(currency: str) -> tuple[Money, ...]:
    scale = 10 ** exponent(currency)
    return tuple(Money(n * scale, currency) for n in NOTES.get(currency, DEFAULT_NOTES))


def quick_cash(due: Money) -> list[Money]:
    """Exact amount, then the next note values above it (see module docstring)."""
    if due.minor < 0:
        raise ValueError("amount due cannot be negative")
    options = [due]
    for note in notes_for(due.currency):
        covering = -(-due.minor // note.minor) * note.minor  # ceil to a multiple of note
        if covering == 0:
            covering = note.minor
        if covering > MAX_MINOR:
            continue
        candidate = Money(covering, due.currency)
        if candidate not in options:
            options.append(candidate)
    return sorted(options, key=lambda m: m.minor)[:MAX_QUICK_CASH]


def cash_tender(due: Money, tendered: Money) -> Tender:
    """A cash tender for ``due``: refuses less than due (IT-150) or another currency."""
    if not isinstance(tendered, Money) or tendered.currency != due.currency:
        raise InputError(f"Cash must be counted in {due.currency}", code="IT-152")
    if tendered.minor > MAX_MINOR:
        raise InputError(
            f"{tendered} is more than the till accepts ({Money(MAX_MINOR, due.currency)})",
            code="IT-104",
        )
    if tendered < due:
        raise InputError(
            f"{tendered} is less than the amount due ({due}); "
            f"take at least {due - tendered} more",
            code="IT-150",
        )
    return Tender(kind="cash", amount=due, tendered=tendered, change=tendered - due)
