"""The X and Z report of a shift (pure): totals, their stored form and their printed lines.

An X report is the same computation as the Z at any moment, without a number and without
closing anything; a Z is numbered per till, made once when the shift closes and never
changed (the ledger refuses UPDATE and DELETE of ``z_reports``). Every amount is integer
minor units of the shift's currency.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any

from ireti_till.domain.money import Money


@dataclass(frozen=True, slots=True)
class TaxTotal:
    tax_code: str
    rate_text: str
    net: int
    tax: int
    gross: int


@dataclass(frozen=True, slots=True)
class CashierTotal:
    cashier: str
    sales: int
    total: int


@dataclass(frozen=True, slots=True)
class TenderTotal:
    kind: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class ZReport:
    till_id: str
    shift_id: str
    currency: str
    opened_at: str
    generated_at: str
    z_no: int | None = None  # None: an X report
    sales_count: int = 0
    sales_total: int = 0
    refunds_count: int = 0
    refunds_total: int = 0
    voided_sales: int = 0
    voided_lines: int = 0
    discounts: int = 0
    overrides: int = 0
    no_sales: int = 0
    tenders: tuple[TenderTotal, ...] = ()
    taxes: tuple[TaxTotal, ...] = ()
    cashiers: tuple[CashierTotal, ...] = ()
    float_total: int = 0
    cash_sales: int = 0
    cash_refunds: int = 0
    card_refunds: int = 0
    paid_in: int = 0
    paid_out: int = 0
    expected_cash: int = 0
    counted_cash: int | None = None
    card_total: int = 0
    card_queued: int = 0
    card_queued_accepted_by: str | None = None
    reconciliation: tuple[str, ...] = field(default=())
    #: sales of closed shifts completed after their Z (crash recovery), shown here once:
    #: (Z number of their shift, count, total); they stay in their own shift's rows
    late: tuple[tuple[int, int, int], ...] = field(default=())

    @property
    def over_short(self) -> int | None:
        return None if self.counted_cash is None else self.counted_cash - self.expected_cash

    @property
    def title(self) -> str:
        return "X REPORT" if self.z_no is None else f"Z REPORT No {self.z_no}"

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ZReport:
        data: dict[str, Any] = json.loads(text)
        data["tenders"] = tuple(TenderTotal(**t) for t in data.get("tenders", ()))
        data["taxes"] = tuple(TaxTotal(**t) for t in data.get("taxes", ()))
        data["cashiers"] = tuple(CashierTotal(**c) for c in data.get("cashiers", ()))
        data["reconciliation"] = tuple(data.get("reconciliation", ()))
        data["late"] = tuple(tuple(x) for x in data.get("late", ()))
        return cls(**data)


def _row(label: str, value: str, width: int) -> str:
    gap = max(1, width - len(label) - len(value))
    return f"{label}{' ' * gap}{value}"


def report_lines(z: ZReport, width: int = 42) -> list[str]:
    """The report as fixed-width text lines (screen, paper and PDF use the same lines)."""
    m = z.money
    out = [z.title.center(width), f"Till {z.till_id}  shift {z.shift_id[:8]}",
           f"Opened    {z.opened_at[:16].replace('T', ' ')}",
           f"Printed   {z.generated_at[:16].replace('T', ' ')}", "-" * width]
    rows: list[tuple[str, str]] = [
        (f"Sales ({z.sales_count})", str(m(z.sales_total))),
        (f"Refunds ({z.refunds_count})", str(m(-z.refunds_total))),
        ("Net", str(m(z.sales_total - z.refunds_total))),
        ("Discounts", str(m(z.discounts))),
        ("Voided sales", str(z.voided_sales)), ("Voided lines", str(z.voided_lines)),
        ("Overrides", str(z.overrides)), ("No sales", str(z.no_sales)),
    ]
    out += [_row(a, b, width) for a, b in rows]
    out.append("-" * width + "\nTENDERS")
    out += [_row(f"  {t.kind} ({t.count})", str(m(t.amount)), width) for t in z.tenders]
    label = width - 27
    out.append(f"{'TAX':<{label}}{'net':>9}{'tax':>9}{'gross':>9}")
    for t in z.taxes:
        out.append(f"{(t.tax_code + ' ' + t.rate_text)[:label]:<{label}}"
                   f"{m(t.net).format(False):>9}{m(t.tax).format(False):>9}"
                   f"{m(t.gross).format(False):>9}")
    out.append("CASHIERS")
    out += [_row(f"  {c.cashier} ({c.sales})", str(m(c.total)), width) for c in z.cashiers]
    out.append("-" * width + "\nCASH")
    cash = [("  Float", z.float_total), ("  Cash sales", z.cash_sales),
            ("  Cash refunds", -z.cash_refunds), ("  Paid in", z.paid_in),
            ("  Paid out", -z.paid_out), ("Expected in drawer", z.expected_cash)]
    out += [_row(a, str(m(v)), width) for a, v in cash]
    if z.counted_cash is not None and z.over_short is not None:
        out.append(_row("Counted", str(m(z.counted_cash)), width))
        diff = z.over_short
        out.append(_row("Over/short", ("+" if diff > 0 else "") + str(m(diff)), width))
    out.append("-" * width + "\nCARD")
    out.append(_row("  Card sales", str(m(z.card_total)), width))
    out.append(_row("  Card refunds", str(m(-z.card_refunds)), width))
    if z.card_queued:
        out.append(_row("  Card work still queued", str(z.card_queued), width))
        if z.card_queued_accepted_by:
            out.append(f"  accepted by {z.card_queued_accepted_by}"[:width])
    out += [_row(f"  Late from shift Z{n} ({c})", str(m(t)), width) for n, c, t in z.late]
    out += [part for line in z.reconciliation for part in textwrap.wrap(line, width) or [""]]
    return out
