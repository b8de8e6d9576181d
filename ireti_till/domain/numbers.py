"""Quantities and percentages typed by a cashier (amounts: ``money.parse_amount``).

- Quantities are whole units from 1 to ``MAX_QUANTITY`` (9999): zero, negatives,
  fractions, exponents (``1e6``) and anything larger are refused. The till sells
  counted items; weighed goods would need their own unit and are out of scope.
- Percentages are 0 < p <= 100 with at most two decimals; ``"12,5"`` and ``"12.5"``
  are both 12.5 %; a trailing ``%`` is allowed; ``1e1``, ``NaN``, signs are refused.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from ireti_till.domain.errors import InputError

MAX_QUANTITY: Final[int] = 9999
_QTY_RE: Final = re.compile(r"^[0-9]{1,9}$")
_PERCENT_RE: Final = re.compile(r"^([0-9]{1,3})(?:[.,]([0-9]{1,2}))?\s*%?$")
HUNDRED: Final = Decimal(100)


def check_quantity(quantity: object) -> int:
    """An int quantity in 1..MAX_QUANTITY, else ``InputError`` IT-131."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InputError("The quantity must be a whole number", code="IT-130")
    if quantity < 1:
        raise InputError(
            f"The quantity must be at least 1 (got {quantity}); void the line to remove it",
            code="IT-131",
        )
    if quantity > MAX_QUANTITY:
        raise InputError(
            f"The quantity must be at most {MAX_QUANTITY} (got {quantity})", code="IT-131"
        )
    return quantity


def parse_quantity(text: str) -> int:
    """``"3"`` -> 3. Rejects ``"0"``, ``"-1"``, ``"1.5"``, ``"1e6"``, ``"1000000"``."""
    cleaned = text.strip()
    if not _QTY_RE.match(cleaned):
        raise InputError(
            f"'{cleaned[:12]}' is not a quantity: type a whole number from 1 to {MAX_QUANTITY}",
            code="IT-130",
        )
    return check_quantity(int(cleaned))


def check_percent(percent: object) -> Decimal:
    """A Decimal percentage 0 < p <= 100 with at most 2 decimals, else IT-140."""
    if not isinstance(percent, Decimal) or not percent.is_finite():
        raise InputError("The percentage must be a number", code="IT-140")
    if percent <= 0 or percent > HUNDRED:
        raise InputError(
            f"The percentage must be more than 0 and at most 100 (got {percent})", code="IT-140"
        )
    if percent != percent.quantize(Decimal("0.01")):
        raise InputError("The percentage can have at most 2 decimals", code="IT-140")
    return percent


def parse_percent(text: str) -> Decimal:
    """``"10"``, ``"12,5"``, ``"12.5 %"`` -> Decimal. Rejects ``1e1``, NaN, signs, > 100."""
    cleaned = text.strip()
    m = _PERCENT_RE.match(cleaned)
    if not m:
        raise InputError(
            f"'{cleaned[:12]}' is not a percentage: type e.g. 10 or 12.5", code="IT-140"
        )
    return check_percent(Decimal(f"{m.group(1)}.{m.group(2) or '0'}"))


def percent_text(percent: Decimal) -> str:
    """``Decimal("12.50")`` -> ``"12.5%"``; ``Decimal("10")`` -> ``"10%"``."""
    text = format(percent.normalize(), "f")
    return f"{text}%"
