"""Tax: several rates, prices tax-inclusive or tax-exclusive, one rounding rule.

THE RULE (also in docs/money-and-tax.md):

1. Lines are grouped by tax rate. For each rate, the *base* is the sum of the line
   amounts of that rate after every discount (line discounts and each line's share of
   the basket discount), in the price basis of the store (``prices_include_tax``).
2. Tax is computed once per rate on that base, never per line, exactly (with
   ``fractions.Fraction``), then rounded to minor units half away from zero:

   - prices include tax: ``gross = base``, ``tax = round(gross * r / (1 + r))``,
     ``net = gross - tax``;
   - prices exclude tax: ``net = base``, ``tax = round(net * r)``, ``gross = net + tax``.

   So ``net + tax == gross`` for every rate by construction.
3. The rate's tax is then split over that rate's lines by the largest-remainder method
   (weights: the line bases), so per-line tax adds up to the rate's tax exactly, and a
   line's total incl. tax is its base (inclusive) or base + its tax share (exclusive).
   Hence ``sum(line totals) == sum(gross per rate) == total`` always.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ireti_till.domain.catalog import TaxRate
from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import TaxLine


def round_half_away(value: Fraction) -> int:
    """Round an exact fraction of minor units to an int, halves away from zero."""
    magnitude = abs(value)
    rounded = int(magnitude + Fraction(1, 2))  # floor(x + 1/2) for x >= 0
    return rounded if value >= 0 else -rounded


def rate_text(rate: Decimal) -> str:
    """``Decimal("0.20")`` -> ``"20%"``, ``Decimal("0.055")`` -> ``"5.5%"``."""
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


def check_rate(rate: TaxRate) -> TaxRate:
    if not isinstance(rate.rate, Decimal) or not rate.rate.is_finite():
        raise InputError(f"Tax rate {rate.code} must be a decimal number", code="IT-113")
    if rate.rate < 0 or rate.rate > 1:
        raise InputError(
            f"Tax rate {rate.code} must be between 0% and 100% (got {rate_text(rate.rate)})",
            code="IT-113",
        )
    return rate


def split_base(base: Money, rate: Decimal, prices_include_tax: bool) -> tuple[Money, Money, Money]:
    """(net, tax, gross) for one rate's base amount, by THE RULE above."""
    r = Fraction(rate)
    if prices_include_tax:
        tax = round_half_away(Fraction(base.minor) * r / (1 + r))
        return Money(base.minor - tax, base.currency), Money(tax, base.currency), base
    tax = round_half_away(Fraction(base.minor) * r)
    return base, Money(tax, base.currency), Money(base.minor + tax, base.currency)


@dataclass(frozen=True, slots=True)
class TaxResult:
    taxes: tuple[TaxLine, ...]  # one per rate used, in the order the rates are configured
    line_tax: tuple[Money, ...]  # tax contained in each input line (same order as input)
    line_gross: tuple[Money, ...]  # each input line's amount incl. tax
    tax_total: Money
    gross_total: Money


def compute_taxes(
    lines: Sequence[tuple[str, Money]],
    rates: Mapping[str, TaxRate],
    prices_include_tax: bool,
    currency: str,
) -> TaxResult:
    """Apply THE RULE to ``(tax_code, base)`` pairs (bases after all discounts, >= 0).

    ``rates`` maps a tax code to its rate, in the configured order (dicts keep order).
    An unknown tax code raises ``InputError`` IT-113.
    """
    by_code: dict[str, list[int]] = {}
    for index, (code, base) in enumerate(lines):
        if code not in rates:
            raise InputError(
                f"Tax code '{code}' is not configured for this store; "
                "ask a supervisor to fix the product or the settings",
                code="IT-113",
            )
        if base.currency != currency or base.minor < 0:
            raise ValueError("tax bases must be non-negative amounts in the sale currency")
        by_code.setdefault(code, []).append(index)
    zero = Money.zero(currency)
    line_tax = [zero] * len(lines)
    line_gross = [base for _, base in lines]
    taxes: list[TaxLine] = []
    for code, rate in rates.items():
        indexes = by_code.get(code)
        if not indexes:
            continue
        base = Money(sum(lines[i][1].minor for i in indexes), currency)
        net, tax, gross = split_base(base, check_rate(rate).rate, prices_include_tax)
        weights = [lines[i][1].minor for i in indexes]
        shares = tax.allocate(weights) if sum(weights) > 0 else [zero] * len(indexes)
        for i, share in zip(indexes, shares, strict=True):
            line_tax[i] = share
            if not prices_include_tax:
                line_gross[i] = lines[i][1] + share
        taxes.append(TaxLine(code, rate_text(rate.rate), net, tax, gross))
    tax_total = Money(sum(t.tax.minor for t in taxes), currency)
    gross_total = Money(sum(t.gross.minor for t in taxes), currency)
    return TaxResult(tuple(taxes), tuple(line_tax), tuple(line_gross), tax_total, gross_total)
