"""Money: integer minor units plus an ISO 4217 currency. Never floats.

Rounding rule (the one rule the till uses everywhere): when a computation in ``Decimal``
has to become minor units, it is rounded half away from zero (``ROUND_HALF_UP`` in
``decimal`` terms, which rounds -0.5 to -1). Splits use the largest-remainder method so
the parts always add up to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from ireti_till.domain.errors import InputError

# ISO 4217 exponents that differ from 2. Everything else listed in KNOWN has exponent 2.
_EXPONENTS: Final[dict[str, int]] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
_CURRENCY_RE: Final = re.compile(r"^[A-Z]{3}$")

#: Stripe accepts at most 8 digits of minor units for an amount.
MAX_MINOR: Final[int] = 99_999_999


def exponent(currency: str) -> int:
    """Number of decimal places of ``currency`` (JPY 0, EUR 2, KWD 3)."""
    return _EXPONENTS.get(currency, 2)


_CHECKED: set[str] = set()  # codes already validated (at most 26**3): a hot path


def check_currency(currency: object) -> str:
    if type(currency) is str and currency in _CHECKED:
        return currency
    if not isinstance(currency, str) or not _CURRENCY_RE.fullmatch(currency):
        raise InputError(f"{currency!r} is not an ISO currency code", code="IT-101")
    if type(currency) is str:
        _CHECKED.add(currency)
    return currency


def round_minor(value: Decimal) -> int:
    """Round a Decimal amount already expressed in minor units to an int (half away from 0)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of one currency in integer minor units (cents, pence, yen)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int and (
            isinstance(self.minor, bool) or not isinstance(self.minor, int)
        ):
            raise TypeError(f"Money needs an int of minor units, not {type(self.minor).__name__}")
        check_currency(self.currency)

    # construction -----------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str) -> Money:
        """From a major-unit Decimal (``Decimal("1.50")`` EUR -> 150), which must be exact."""
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise InputError(f"{amount!r} is not an amount", code="IT-103")
        scaled = amount.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise InputError(
                f"{amount} has more decimals than {currency} allows", code="IT-102"
            )
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    # arithmetic -------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use scale() for rates")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def scale(self, factor: Decimal) -> Money:
        """Multiply by a Decimal factor (a rate or percentage) with the till's rounding rule."""
        if not isinstance(factor, Decimal):
            raise TypeError("scale() takes a Decimal")
        return Money(round_minor(Decimal(self.minor) * factor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def is_negative(self) -> bool:
        return self.minor < 0

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up exactly (largest remainder).

        Ties in the remainders go to the earlier part, so the result is deterministic.
        """
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("allocate() needs non-negative weights with a positive sum")
        total = sum(weights)
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        base = [amount * w // total for w in weights]
        remainders = [amount * w % total for w in weights]
        short = amount - sum(base)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:short]:
            base[i] += 1
        return [Money(sign * b, self.currency) for b in base]

    # display ----------------------------------------------------------------------
    def format(self, symbol: bool = True) -> str:
        """``EUR 1,234.50`` style text; symbol-free form for editing fields."""
        exp = exponent(self.currency)
        sign = "-" if self.minor < 0 else ""
        major, minor = divmod(abs(self.minor), 10**exp) if exp else (abs(self.minor), 0)
        text = f"{major:,}" + (f".{minor:0{exp}d}" if exp else "")
        return f"{sign}{_SYMBOLS.get(self.currency, self.currency + ' ')}{text}" if symbol else (
            f"{sign}{text}"
        )

    def __str__(self) -> str:
        return self.format()


_SYMBOLS: Final[dict[str, str]] = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "NGN": "₦"}

# ASCII digits only (``\d`` would also take Arabic-Indic or full-width digits).
_AMOUNT_RE: Final = re.compile(r"^([0-9]{1,12})(?:[.,]([0-9]+))?$")


def parse_amount(text: str, currency: str, *, allow_zero: bool = True) -> Money:
    """Parse an amount typed by a person, in major units (``"12.50"`` -> 1250 minor).

    Accepts one decimal separator, ``.`` or ``,`` (``"1,5"`` is 1.50). Rejects signs,
    exponents (``1e3``), NaN/Infinity, thousands separators, more decimals than the
    currency has, and anything above Stripe's 8-digit limit. Raises ``InputError``.
    """
    if not isinstance(text, str):
        raise InputError("Type the amount as digits", code="IT-103")
    cleaned = text.strip()
    m = _AMOUNT_RE.match(cleaned)
    if not m:
        # Long input is not repeated: a card number typed into the wrong field must not
        # end up on the screen or in a log.
        shown = f"'{cleaned}'" if len(cleaned) <= 12 else "That"
        raise InputError(
            f"{shown} is not an amount: type digits with at most one '.' or ','",
            code="IT-103",
        )
    whole, frac = m.group(1), m.group(2) or ""
    exp = exponent(currency)
    if len(frac) > exp:
        raise InputError(
            f"{currency} amounts have {exp} decimal places, '{cleaned}' has {len(frac)}",
            code="IT-102",
        )
    try:
        value = Decimal(f"{whole}.{frac or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - regex already guards this
        raise InputError(f"'{cleaned}' is not an amount", code="IT-103") from exc
    money = Money.from_decimal(value, currency)
    if money.minor > MAX_MINOR:
        raise InputError(
            f"{money} is more than the till accepts ({Money(MAX_MINOR, currency)})",
            code="IT-104",
        )
    if not allow_zero and money.minor == 0:
        raise InputError("The amount must be more than zero", code="IT-105")
    return money
