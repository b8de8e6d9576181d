"""Reports and exports of the trading day: sales, refunds, cash movements, shifts, Z reports.

The rows come from the same ledger tables the Z report sums (``shift_totals``), so an
export of a shift adds up to its Z. Amounts are exact decimal text in major units next to
the currency (``*_minor`` columns leave as ``*``); CSV cells a spreadsheet would run as a
formula get a leading ``'``; nested values (a Z's tenders) are JSON in one cell. An unknown
``what``, format or field is refused with its code before anything is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields as dc_fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Protocol, Self, TextIO

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import exponent
from ireti_till.domain.zreport import ZReport
from ireti_till.services.ports import UnitOfWork


class ReportRows(Protocol):
    def rows(self, what: str, *, shift_id: str | None = None, since: datetime | None = None,
             until: datetime | None = None) -> Iterator[dict[str, Any]]: ...


class ReportUnitOfWork(UnitOfWork, Protocol):
    report_rows: ReportRows

    def __enter__(self) -> Self: ...


FORMATS: Final = ("csv", "json")
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "sales": ("id", "receipt_code", "receipt_no", "till_id", "shift_id", "cashier",
              "completed_at", "currency", "total", "discount_total", "tax_total", "change",
              "cash", "card", "voided_lines", "training"),
    "refunds": ("id", "till_id", "refund_no", "shift_id", "sale_id", "currency", "amount",
                "cash", "card", "reason", "requester_id", "approver_id", "created_at",
                "sale_till_id", "sale_receipt_no"),  # the sale refunded: its till (another
    # till's for a cross-till refund) and receipt number
    "cash": ("id", "shift_id", "kind", "currency", "amount", "reason", "actor", "approver_id",
             "created_at"),
    "shifts": ("id", "till_id", "state", "currency", "opened_by", "opened_at", "float",
               "closed_by", "closed_at", "expected", "counted", "over_short", "reason",
               "approver_id", "queued_card_accepted_by"),
    "z": ("id", "created_at", *(f.name for f in dc_fields(ZReport))),
}
WHATS: Final = tuple(COLUMNS)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_Z_MONEY: Final = frozenset({
    "sales_total", "refunds_total", "discounts", "float_total", "cash_sales", "cash_refunds",
    "card_refunds", "paid_in", "paid_out", "expected_cash", "counted_cash", "card_total"})


def decimal_text(minor: int | None, currency: str) -> str | None:
    if minor is None:
        return None
    return str(Decimal(minor).scaleb(-exponent(currency)))


def export_record(what: str, row: dict[str, Any]) -> dict[str, Any]:
    """A ledger row as exported: ``*_minor`` -> decimal text, flags as booleans."""
    cur = row.get("currency", "")
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_minor"):
            out[key[:-6]] = decimal_text(value, cur)
        elif what == "z" and key in _Z_MONEY:
            out[key] = decimal_text(value, cur)
        elif key == "training":
            out[key] = bool(value)
        else:
            out[key] = value
    return out


def check_request(what: str, fmt: str, fields: Iterable[str] | None) -> tuple[str, ...]:
    """Validate before writing anything; returns the columns to write."""
    if what not in COLUMNS:
        raise InputError(f"Cannot export '{what[:20]}': choose one of {', '.join(WHATS)}",
                         code="IT-640")
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format '{fmt[:10]}': use csv or json",
                         code="IT-641")
    if not fields:
        return COLUMNS[what]
    chosen = tuple(f.strip() for f in fields if f.strip())
    unknown = [f for f in chosen if f not in COLUMNS[what]]
    if unknown or not chosen:
        raise InputError(f"Unknown field(s) for {what}: {', '.join(unknown)[:80]}. Fields: "
                         f"{', '.join(COLUMNS[what])}", code="IT-642")
    return chosen


def _cell(value: Any) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export(uow_factory: Callable[[], ReportUnitOfWork], out: TextIO, what: str, *,
           fmt: str = "csv", fields: Iterable[str] | None = None,
           shift_id: str | None = None, since: datetime | None = None,
           until: datetime | None = None) -> int:
    """Write the rows of ``what``; returns how many were written."""
    columns = check_request(what, fmt, fields)
    with uow_factory() as uow:
        records = (export_record(what, r) for r in uow.report_rows.rows(
            what, shift_id=shift_id, since=since, until=until))
        return _write_csv(records, columns, out) if fmt == "csv" else _write_json(
            records, columns, out)


def records(uow_factory: Callable[[], ReportUnitOfWork], what: str, *,
            shift_id: str | None = None) -> list[dict[str, Any]]:
    """Every export record of ``what`` (for checks and screens; exports stream instead)."""
    check_request(what, "json", None)
    with uow_factory() as uow:
        return [export_record(what, r) for r in uow.report_rows.rows(what, shift_id=shift_id)]


def _write_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        count += 1
    return count


def _write_json(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], out: TextIO) -> int:
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
