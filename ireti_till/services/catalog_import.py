"""Catalog import from CSV: validate every row first, then write all of them in one unit of work.

CSV columns (header required, any order): ``sku,gtin,name,price,tax_code,active``;
``gtin`` and ``active`` may be left out or empty. ``price`` is in major units as text
(``1.99``; ``1,99`` is read the same), parsed with ``domain.money.parse_amount`` so
exponents, signs and extra decimals are refused. SKUs are case-insensitive and stored
upper-case; GTINs are stored in their canonical form (``domain.gtin.normalise_gtin``).

Nothing is imported unless every row passes, or ``skip_invalid=True`` is given; either way
the bad rows come back with their line numbers and reasons. ``progress(done, total)`` is
called as rows are validated and then written: ``total`` is twice the number of data rows
(each row is one step when checked and one when written), so a bar fills once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, TextIO, TypeVar

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import AuthorisationError, InputError
from ireti_till.domain.gtin import normalise_gtin
from ireti_till.domain.money import parse_amount
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.domain.text import clean_name, clean_sku
from ireti_till.services.audit import AuditLog
from ireti_till.services.ports import CatalogRepository, UnitOfWorkFactory
from ireti_till.services.staff_ports import AuditRepository

Progress = Callable[[int, int], None]
T = TypeVar("T")


class _AuditedUnitOfWork(Protocol):
    """A unit of work with the catalog and the audit log (the ledger's ``SqlUnitOfWork``)."""

    catalog: CatalogRepository
    audit: AuditRepository

    def commit(self) -> None: ...

COLUMNS: Final = ("sku", "gtin", "name", "price", "tax_code", "active")
REQUIRED: Final = frozenset({"sku", "name", "price", "tax_code"})
MAX_ROWS: Final = 1_000_000
_BATCH: Final = 5000
_TRUE: Final = frozenset({"", "1", "true", "yes", "y"})
_FALSE: Final = frozenset({"0", "false", "no", "n"})


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based line of the file where the row starts (the header is line 1)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    products: tuple[Product, ...]
    errors: tuple[RowError, ...]
    rows: int  # data rows read (blank lines not counted)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    skipped: int
    errors: tuple[RowError, ...]
    rows: int


class ImportRejected(InputError):
    """Some rows are invalid and ``skip_invalid`` was not given: nothing was imported."""

    code = "IT-180"

    def __init__(self, errors: tuple[RowError, ...], rows: int) -> None:
        first = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(
            f"{len(errors)} of {rows} rows are invalid, so nothing was imported: {first}{more}. "
            "Fix them, or import with --skip-invalid to load only the valid rows."
        )
        self.errors = errors
        self.rows = rows


def _file_error(message: str) -> InputError:
    return InputError(message, code="IT-182")


def _read(stream: TextIO) -> str:
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"The file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 and retry"
        ) from exc
    return text.removeprefix("\ufeff")


def _header(row: list[str]) -> list[str]:
    names = [h.strip().lower() for h in row]
    unknown = [n for n in names if n not in COLUMNS]
    missing = sorted(REQUIRED - set(names))
    if unknown or missing or len(set(names)) != len(names):
        raise _file_error(
            "line 1: the header must name the columns " + ",".join(COLUMNS)
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + ("; a column is named twice" if len(set(names)) != len(names) else "")
        )
    return names


def _check_row(
    fields: dict[str, str], currency: str, tax_codes: Collection[str] | None
) -> tuple[Product | None, list[str]]:
    reasons: list[str] = []

    def attempt(fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except InputError as exc:
            reasons.append(exc.message)
            return None

    sku = attempt(lambda: clean_sku(fields["sku"]).upper())
    gtin_text = fields.get("gtin", "").strip()
    gtin = attempt(lambda: normalise_gtin(gtin_text)) if gtin_text else None
    name = attempt(lambda: clean_name(fields["name"]))
    price_text = fields["price"].strip()
    if price_text.startswith("-"):
        reasons.append(f"the price must not be negative ('{price_text[:12]}')")
        price = None
    elif not price_text:
        reasons.append("the price is empty")
        price = None
    else:
        price = attempt(lambda: parse_amount(price_text, currency))
    tax_code = fields["tax_code"].strip().upper()
    if not tax_code:
        reasons.append("the tax code is empty")
    elif tax_codes is not None and tax_code not in tax_codes:
        reasons.append(f"unknown tax code '{tax_code[:8]}' (the store has "
                       f"{', '.join(sorted(tax_codes))})")
    active_text = fields.get("active", "").strip().lower()
    if active_text not in _TRUE | _FALSE:
        reasons.append(f"active must be yes/no, true/false or 1/0, not '{active_text[:10]}'")
    if reasons or sku is None or name is None or price is None:
        return None, reasons
    return Product(sku=sku, gtin=gtin, name=name, unit_price=price, tax_code=tax_code,
                   active=active_text in _TRUE), []


def validate_rows(
    stream: TextIO,
    *,
    currency: str,
    tax_codes: Collection[str] | None = None,
    progress: Progress | None = None,
) -> ValidationReport:
    """Parse and check every row of the CSV in ``stream``; never writes anything.

    File-level problems (not UTF-8, no/bad header, too many rows) raise ``InputError``
    IT-182; row problems are collected in the report with their line numbers."""
    text = _read(stream)
    if not text.strip():
        raise _file_error("The file is empty: it needs a header line and one row per product")
    estimate = max(len(text.splitlines()) - 1, 1)  # data rows, for the progress total
    reader = csv.reader(io.StringIO(text, newline=""))
    products: list[Product] = []
    errors: list[RowError] = []
    seen_sku: dict[str, int] = {}
    seen_gtin: dict[str, int] = {}
    rows = 0
    try:
        header = _header(next(reader))
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(not f.strip() for f in record):
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise _file_error(f"The file has more than {MAX_ROWS:,} products; split it")
            if progress is not None and rows % 1000 == 0:
                progress(rows, 2 * max(estimate, rows))
            if len(record) != len(header):
                errors.append(RowError(start, f"{len(record)} fields, the header has "
                                              f"{len(header)}"))
                continue
            product, reasons = _check_row(dict(zip(header, record, strict=True)), currency,
                                          tax_codes)
            if product is not None:
                if product.sku in seen_sku:
                    reasons.append(f"SKU {product.sku} is also on line {seen_sku[product.sku]}")
                if product.gtin is not None and product.gtin in seen_gtin:
                    reasons.append(f"GTIN {product.gtin} is also on line "
                                   f"{seen_gtin[product.gtin]}")
                seen_sku.setdefault(product.sku, start)
                if product.gtin is not None:
                    seen_gtin.setdefault(product.gtin, start)
            if reasons:
                errors.append(RowError(start, "; ".join(reasons)))
            elif product is not None:
                products.append(product)
    except csv.Error as exc:
        raise _file_error(f"line {reader.line_num}: the CSV cannot be read ({exc})") from exc
    if progress is not None:
        progress(rows, 2 * rows)
    return ValidationReport(tuple(products), tuple(errors), rows)


def import_products(
    uow_factory: UnitOfWorkFactory,
    report: ValidationReport,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the valid products of ``report`` in one transaction (or raise ``ImportRejected``)."""
    if report.errors and not skip_invalid:
        raise ImportRejected(report.errors, report.rows)
    total = 2 * report.rows
    valid = len(report.products)
    written = 0
    with uow_factory() as uow:
        for start in range(0, valid, _BATCH):
            written += uow.catalog.upsert_many(report.products[start:start + _BATCH])
            if progress is not None:
                progress(report.rows + (written * report.rows) // max(valid, 1), total)
        if progress is not None:
            progress(total, total)  # last call before commit: a callback that raises
        uow.commit()  # (a cancel button) rolls everything back, never half-reports
    return ImportResult(written, len(report.errors), report.errors, report.rows)


def import_csv(
    uow_factory: UnitOfWorkFactory,
    stream: TextIO,
    *,
    currency: str,
    tax_codes: Collection[str] | None = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """``validate_rows`` then ``import_products``: the whole use case in one call."""
    report = validate_rows(stream, currency=currency, tax_codes=tax_codes, progress=progress)
    return import_products(uow_factory, report, skip_invalid=skip_invalid, progress=progress)


def describe(errors: Iterable[RowError], limit: int = 20) -> list[str]:
    """Up to ``limit`` error lines for a terminal or a dialog, plus a count of the rest."""
    items = list(errors)
    out = [str(e) for e in items[:limit]]
    if len(items) > limit:
        out.append(f"... and {len(items) - limit} more")
    return out


class CatalogImportRefused(AuthorisationError):
    """Only an administrator may replace prices and products from a file."""

    code = "IT-570"


def authorise_import(actor: StaffMember) -> None:
    """Raise ``CatalogImportRefused`` unless ``actor`` is an active administrator."""
    if not actor.active or not actor.role.at_least(Role.ADMIN):
        raise CatalogImportRefused(
            f"{actor.name} ({actor.role.value}) may not import the catalog: a catalog import "
            "changes prices for every sale. Ask an administrator to sign in and import it.")


def import_csv_audited(
    uow_factory: Callable[[], AbstractContextManager[Any]],
    audit: AuditLog,
    stream: TextIO,
    *,
    actor: StaffMember,
    source: str,
    currency: str,
    tax_codes: Collection[str] | None = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """The catalog import a person starts: administrators only, recorded in the audit trail.

    The products and the ``catalog_import`` audit entry commit in one transaction, so an
    import is never in the catalog without its entry (nor the entry without the import)."""
    authorise_import(actor)
    report = validate_rows(stream, currency=currency, tax_codes=tax_codes, progress=progress)
    if report.errors and not skip_invalid:
        raise ImportRejected(report.errors, report.rows)
    written = 0
    with uow_factory() as entered:
        uow: _AuditedUnitOfWork = entered
        for start in range(0, len(report.products), _BATCH):
            written += uow.catalog.upsert_many(report.products[start:start + _BATCH])
        audit.append(uow.audit, "catalog_import", actor.user_id, {
            "source": Path(source).name, "rows": report.rows, "imported": written,
            "skipped": len(report.errors)})
        if progress is not None:
            progress(2 * report.rows, 2 * report.rows)
        uow.commit()
    audit.checkpoint()
    return ImportResult(written, len(report.errors), report.errors, report.rows)
