"""Export completed sales as CSV or JSON: one record per sale (id, receipt number,
timestamps, lines, taxes, totals, tenders).

Amounts are exact decimal text in major units (``"12.50"``; ``"1200"`` for JPY) next to
the sale's currency: never floats. Times are ISO 8601 UTC. In CSV the lines, taxes and
tenders of a sale are JSON arrays in one cell each (so a sale stays one row), and text
cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are prefixed
with ``'``. Sales are streamed page by page, so a year of sales needs little memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final, TextIO

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.ports import UnitOfWorkFactory

FORMATS: Final = ("csv", "json")
CSV_COLUMNS: Final = (
    "id", "receipt_code", "receipt_no", "till_id", "cashier", "training", "started_at",
    "completed_at", "currency", "subtotal", "discount_total", "tax_total", "total", "change",
    "line_count", "lines", "taxes", "tenders",
)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def amount(money: Money) -> str:
    return str(money.to_decimal())


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sale_record(sale: CompletedSale) -> dict[str, Any]:
    """The export form of one sale (JSON-ready: only str, int, bool, None, list, dict)."""
    return {
        "id": str(sale.sale_id),
        "receipt_code": sale.receipt_code,
        "receipt_no": sale.receipt_no,
        "till_id": sale.till_id,
        "cashier": sale.cashier,
        "training": sale.training,
        "started_at": iso(sale.started_at),
        "completed_at": iso(sale.completed_at),
        "currency": sale.currency,
        "subtotal": amount(sale.subtotal),
        "discount_total": amount(sale.discount_total),
        "tax_total": amount(sale.tax_total),
        "total": amount(sale.total),
        "change": amount(sale.change),
        "lines": [{
            "line_no": ln.line_no, "sku": ln.sku, "gtin": ln.gtin, "name": ln.name,
            "quantity": ln.quantity, "unit_price": amount(ln.unit_price),
            "list_price": amount(ln.list_price), "discount": amount(ln.discount),
            "total": amount(ln.total), "tax_code": ln.tax_code, "tax": amount(ln.tax),
            "override_reason": ln.override_reason, "voided": ln.voided,
        } for ln in sale.lines],
        "taxes": [{
            "tax_code": t.tax_code, "rate": t.rate_text, "net": amount(t.net),
            "tax": amount(t.tax), "gross": amount(t.gross),
        } for t in sale.taxes],
        "tenders": [{
            "kind": t.kind, "amount": amount(t.amount), "tendered": amount(t.tendered),
            "change": amount(t.change), "reference": t.reference,
            "card_brand": t.card_brand, "card_last4": t.card_last4,
        } for t in sale.tenders],
    }


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(sales: Iterable[CompletedSale], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for sale in sales:
        rec = sale_record(sale)
        row: list[str | int] = []
        for column in CSV_COLUMNS:
            if column == "line_count":
                row.append(len(sale.lines))
            elif column in ("lines", "taxes", "tenders"):
                row.append(json.dumps(rec[column], ensure_ascii=False, separators=(",", ":")))
            elif column == "training":
                row.append("yes" if sale.training else "no")
            elif isinstance(rec[column], str):
                row.append(_cell(rec[column]))
            else:
                row.append(rec[column])
        writer.writerow(row)
        count += 1
    return count


def write_json(sales: Iterable[CompletedSale], out: TextIO) -> int:
    """A JSON array, written one sale at a time."""
    count = 0
    out.write("[")
    for sale in sales:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(sale_record(sale), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def export_sales(uow_factory: UnitOfWorkFactory, out: TextIO, *, since: datetime | None = None,
                 fmt: str = "csv") -> int:
    """Write every sale completed at or after ``since`` (all if None), oldest first."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format '{fmt[:10]}': use csv or json", code="IT-184")
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    with uow_factory() as uow:
        sales = uow.sales.since(since)
        return write_csv(sales, out) if fmt == "csv" else write_json(sales, out)
