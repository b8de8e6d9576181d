"""The open basket: an immutable value; every operation returns a new basket or raises.

Because a basket is never changed in place, an operation that fails (``InputError``)
leaves the basket the caller holds exactly as it was: bad input never loses a sale.

Lines keep the number they got when scanned (1-based). Voiding a line keeps it (marked
``voided``, for the audit trail) and it no longer counts. Quantities are 1..9999
(``numbers.MAX_QUANTITY``). Discounts are a percentage (0 < p <= 100, two decimals) or
an amount; a line discount applies to ``quantity * unit_price``, the basket discount to
the subtotal after line discounts, and neither may exceed what it applies to, so no line
and no basket can ever be negative. A price override (0 to 99,999,999 minor units, never
negative) needs a reason. How the amounts are then priced and taxed: ``pricing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.domain.money import MAX_MINOR, Money
from ireti_till.domain.numbers import HUNDRED, check_percent, check_quantity, percent_text
from ireti_till.domain.tax import round_half_away
from ireti_till.domain.text import clean_reason


@dataclass(frozen=True, slots=True)
class Discount:
    """A percentage or an amount off (exactly one of them)."""

    percent: Decimal | None = None
    amount: Money | None = None

    @classmethod
    def of(cls, percent: Decimal | None, amount: Money | None, currency: str) -> Discount | None:
        """Validated discount, or ``None`` when neither is given (removes a discount)."""
        if percent is not None and amount is not None:
            raise InputError("Give either a percentage or an amount, not both", code="IT-141")
        if percent is not None:
            return cls(percent=check_percent(percent))
        if amount is not None:
            if not isinstance(amount, Money) or amount.currency != currency:
                raise InputError(f"The discount must be an amount in {currency}", code="IT-141")
            if amount.minor <= 0 or amount.minor > MAX_MINOR:
                raise InputError("A discount amount must be more than zero", code="IT-141")
            return cls(amount=amount)
        return None

    def on(self, base: Money) -> Money:
        """The discount in money on ``base`` (a percentage rounds half away from zero)."""
        return Money(self.on_minor(base.minor), base.currency)

    def on_minor(self, base: int) -> int:
        """``on`` in plain minor units (the pricing hot path)."""
        if self.percent is not None:
            scaled = self.percent * HUNDRED  # validated percentages have 2 decimals at most
            if scaled == scaled.to_integral_value():
                return round_half_away(Fraction(base * int(scaled), 10_000))
            return round_half_away(Fraction(base) * Fraction(self.percent) / 100)
        assert self.amount is not None
        return self.amount.minor

    def text(self) -> str:
        if self.percent is not None:
            return percent_text(self.percent)
        assert self.amount is not None
        return f"{self.amount} off"


@dataclass(frozen=True, slots=True)
class BasketLine:
    line_no: int
    product: Product
    quantity: int
    unit_price: Money  # the catalog price, or the override
    override_reason: str | None = None
    discount: Discount | None = None
    voided: bool = False

    @property
    def list_price(self) -> Money:
        return self.product.unit_price

    def gross(self) -> Money:
        """quantity x unit price, before any discount (in the store's price basis)."""
        return Money(self.gross_minor(), self.unit_price.currency)

    def discount_amount(self) -> Money:
        return Money(self.discount_minor(), self.unit_price.currency)

    def after_discount(self) -> Money:
        return Money(self.gross_minor() - self.discount_minor(), self.unit_price.currency)

    # the same in plain minor units, for the pricing hot path
    def gross_minor(self) -> int:
        return self.unit_price.minor * self.quantity

    def discount_minor(self) -> int:
        return 0 if self.discount is None else self.discount.on_minor(self.gross_minor())


DEFAULT_MAX_LINES: Final = 500


@dataclass(frozen=True, slots=True)
class Basket:
    currency: str
    lines: tuple[BasketLine, ...] = ()
    discount: Discount | None = None
    #: Lines (voided ones too) one sale may have; config ``[store] max_basket_lines``.
    max_lines: int = DEFAULT_MAX_LINES

    # queries ----------------------------------------------------------------------
    def active_lines(self) -> tuple[BasketLine, ...]:
        return tuple(line for line in self.lines if not line.voided)

    def is_empty(self) -> bool:
        return not self.active_lines()

    def line(self, line_no: int) -> BasketLine:
        """The line with that number; voided lines raise too (they cannot be changed)."""
        if isinstance(line_no, int) and 1 <= line_no <= len(self.lines):
            found = self.lines[line_no - 1]
            if found.voided:
                raise InputError(f"Line {line_no} is voided and cannot be changed", code="IT-161")
            return found
        raise NotFoundError(f"There is no line {line_no} in this sale", code="IT-160")

    def subtotal(self) -> Money:
        """Sum of active lines after line discounts (store price basis)."""
        return Money(
            sum(ln.gross_minor() - ln.discount_minor() for ln in self.active_lines()),
            self.currency,
        )

    # operations -------------------------------------------------------------------
    def add(self, product: Product, quantity: int = 1) -> Basket:
        check_quantity(quantity)
        if product.unit_price.currency != self.currency:
            raise InputError(
                f"{product.name} is priced in {product.unit_price.currency}, "
                f"the till sells in {self.currency}; ask a supervisor to fix the catalog",
                code="IT-114",
            )
        if len(self.lines) >= self.max_lines:
            raise InputError(
                f"This sale has reached its limit of {self.max_lines} lines. Finish it and "
                "ring the rest as a second sale.", code="IT-228")
        line = BasketLine(len(self.lines) + 1, product, quantity, product.unit_price)
        return self._with_line(line, new=True)

    def set_quantity(self, line_no: int, quantity: int) -> Basket:
        check_quantity(quantity)
        return self._with_line(replace(self.line(line_no), quantity=quantity))

    def void(self, line_no: int) -> Basket:
        return self._with_line(replace(self.line(line_no), voided=True))

    def line_discount(
        self, line_no: int, percent: Decimal | None = None, amount: Money | None = None
    ) -> Basket:
        discount = Discount.of(percent, amount, self.currency)
        return self._with_line(replace(self.line(line_no), discount=discount))

    def basket_discount(
        self, percent: Decimal | None = None, amount: Money | None = None
    ) -> Basket:
        return self._checked(replace(self, discount=Discount.of(percent, amount, self.currency)))

    def override_price(self, line_no: int, price: Money, reason: str) -> Basket:
        if not isinstance(price, Money) or price.currency != self.currency:
            raise InputError(f"The new price must be an amount in {self.currency}", code="IT-143")
        if price.minor < 0:
            raise InputError("A price cannot be negative; use a refund instead", code="IT-143")
        if price.minor > MAX_MINOR:
            raise InputError(
                f"A price can be at most {Money(MAX_MINOR, self.currency)}", code="IT-143"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("A price override needs a reason", code="IT-142")
        why = clean_reason(reason)
        line = replace(self.line(line_no), unit_price=price, override_reason=why)
        return self._with_line(line)

    # invariants -------------------------------------------------------------------
    def _with_line(self, line: BasketLine, new: bool = False) -> Basket:
        lines = (*self.lines, line) if new else tuple(
            line if ln.line_no == line.line_no else ln for ln in self.lines
        )
        return self._checked(replace(self, lines=lines))

    @staticmethod
    def _checked(basket: Basket) -> Basket:
        """Refuse any state where a discount exceeds what it applies to, or too much money."""
        cur = basket.currency
        for line in basket.active_lines():
            gross = line.gross_minor()
            if gross > MAX_MINOR:
                raise InputError(
                    f"Line {line.line_no} would come to more than {Money(MAX_MINOR, cur)}",
                    code="IT-106",
                )
            if line.discount_minor() > gross:
                raise InputError(
                    f"The discount on line {line.line_no} ({line.discount_amount()}) would be "
                    f"more than the line ({line.gross()}); change or remove the discount",
                    code="IT-141",
                )
        subtotal = basket.subtotal()
        if subtotal.minor > MAX_MINOR:
            raise InputError(
                f"The sale would come to more than {Money(MAX_MINOR, cur)}; "
                "finish this sale and start another",
                code="IT-106",
            )
        if basket.discount is not None and basket.discount.on(subtotal) > subtotal:
            raise InputError(
                f"The basket discount ({basket.discount.on(subtotal)}) would be more than the "
                f"subtotal ({subtotal}); change or remove the basket discount",
                code="IT-141",
            )
        return basket
