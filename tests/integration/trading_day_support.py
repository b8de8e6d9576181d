"""Helpers for the trading-day tests (no tests here): sales with any tenders, approvals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ireti_till.adapters.db.print_repo
import ireti_till.adapters.db.refunds_repo
import ireti_till.adapters.db.shift_repo
import ireti_till.adapters.db.staff_repo  # noqa: F401  (registers uow.shifts/prints/audit)
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender
from ireti_till.domain.shift import CashCount, default_settings

START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
SETTINGS = default_settings("EUR")


class Clock:
    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        self.current += timedelta(milliseconds=1)  # strictly increasing, like real time
        return self.current


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def count(**notes: int) -> CashCount:
    """``count(n2000=1, n500=2)`` -> one 20.00 note and two 5.00 notes."""
    return CashCount("EUR", tuple(sorted(((int(k[1:]), v) for k, v in notes.items()),
                                         reverse=True)))


def sale(total: int, *, cash: int = 0, tendered: int | None = None, card: int = 0,
         cashier: str = "ada", voided_lines: int = 0, discount: int = 0,
         rate: str = "20%", code: str = "S", till_id: str = "T01",
         when: datetime | None = None, name: str = "Item") -> CompletedSale:
    """A sale of ``total`` paid with ``cash`` (handed ``tendered``) and ``card``."""
    assert cash + card == total
    at = when or START
    tax = int((Decimal(total) * Decimal(rate[:-1]) / (100 + Decimal(rate[:-1])))
              .quantize(Decimal(1)))
    lines = [SaleLine(1, "SKU1", None, name, 1, eur(total + discount), eur(total + discount),
                      eur(discount), eur(total), code, eur(tax))]
    lines += [SaleLine(2 + i, "SKU2", None, "Voided", 1, eur(100), eur(100), eur(0), eur(0),
                       code, eur(0), voided=True) for i in range(voided_lines)]
    tenders = []
    change = 0
    if cash:
        handed = cash if tendered is None else tendered
        change = handed - cash
        tenders.append(Tender("cash", eur(cash), eur(handed), eur(change)))
    if card:
        tenders.append(Tender("card", eur(card), eur(card), eur(0),
                              reference=f"pi_{uuid.uuid4().hex[:12]}"))
    return CompletedSale(
        sale_id=uuid.uuid4(), till_id=till_id, receipt_no=0, cashier=cashier,
        started_at=at - timedelta(seconds=30), completed_at=at, currency="EUR",
        lines=tuple(lines), taxes=(TaxLine(code, rate, eur(total - tax), eur(tax), eur(total)),),
        tenders=tuple(tenders), subtotal=eur(total + discount), discount_total=eur(discount),
        tax_total=eur(tax), total=eur(total), change=eur(change), training=False,
    )


def approval(kind: OverrideKind, amount: Money | None = None,
             approver: str = "bola") -> Approval:
    return Approval(uuid.uuid4(), kind, "ada", approver, "Bola", "checked together", amount,
                    None, START)
