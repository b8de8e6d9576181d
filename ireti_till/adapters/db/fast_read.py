"""Catalog reads for scans and search through the standard library's ``sqlite3``.

Why: importing SQLAlchemy and the models costs about 300 ms of CPU, and a Python import
holds the GIL, so opening the full ledger on a helper thread still delays the sale
screen. Scans and search only read the ``products`` table, so on an ordinary start
(``preflight`` says the file is healthy and at the head schema) the screen reads through
this module and the SQLAlchemy ledger, which every write goes through, opens in the
background after the screen is shown.

``FastReads(path)`` is a ``read_uow_factory`` for ``SaleService``: each call gives a
``FastReadUnitOfWork`` whose ``catalog`` has the read methods of ``SqlCatalogRepository``
(``by_gtin``, ``by_sku``, ``search``, ``count``) with the same SQL and the same results
(tests/integration/test_fast_read.py compares them). Connections are opened read-only
(``mode=ro`` and ``query_only``), one per thread, with ``busy_timeout`` and
``trusted_schema=OFF``; each unit of work is one deferred read transaction (WAL: never
waits for a writer). Writing through it is a programming error (``RuntimeError``).
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final, NoReturn, Self
from uuid import UUID

from ireti_till.adapters.db.preflight import read_only_uri
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.ports import CatalogRepository, SaleRepository

#: Readers' pragmas (engine.PRAGMAS minus those that need a writer: journal_mode is
#: persistent in the file, synchronous only matters to writers).
READ_PRAGMAS: Final = (("busy_timeout", "5000"), ("trusted_schema", "OFF"),
                       ("query_only", "ON"))

_SELECT: Final = ("SELECT products.sku, products.gtin, products.name, products.unit_price_minor,"
                  " products.currency, products.tax_code, products.active")
_SELECT_FOLD: Final = _SELECT + ", products.name_fold"
_TOP: Final = "\U0010ffff"  # as catalog_repo: [t, t+_TOP) is "starts with t"
_RANGE: Final = {  # one indexed range query per key, as SqlCatalogRepository.search
    key: f"{_SELECT_FOLD} FROM products WHERE products.{key} >= ? AND products.{key} < ?"
         f" AND products.active IS 1 ORDER BY products.{key} LIMIT ? OFFSET 0"
    for key in ("name_fold", "sku", "gtin")
}
_CONTAINS: Final = (f"{_SELECT_FOLD} FROM products WHERE products.active IS 1 AND "
                    "(products.name_fold LIKE ? ESCAPE '\\' OR products.sku LIKE ? ESCAPE '\\')"
                    " LIMIT ? OFFSET 0")


def fold(text: str) -> str:
    """The search form of a name: NFC, case-folded (as ``catalog_repo.fold``)."""
    return unicodedata.normalize("NFC", text).casefold()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _product(row: tuple[object, ...]) -> Product:
    sku, gtin, name, minor, currency, tax_code, active = row[:7]
    assert isinstance(minor, int) and isinstance(currency, str)
    return Product(sku=str(sku), gtin=None if gtin is None else str(gtin), name=str(name),
                   unit_price=Money(minor, currency), tax_code=str(tax_code),
                   active=bool(active))


def read_error(exc: sqlite3.Error) -> LedgerError:
    """A read failure as the error the cashier sees (the codes ``uow.ledger_error`` uses)."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return LedgerError("The till's database is busy. Try again; if it keeps happening, "
                           "close other copies of Ireti Till.", code="IT-206")
    if "malformed" in text or "not a database" in text:
        return LedgerError("The till's database is damaged. Do not trade: call support and "
                           "restore the latest backup.", code="IT-201")
    return LedgerError(f"The till could not read its database ({text[:120]}); check the "
                       "disk and try again.", code="IT-203")


class FastCatalogReader:
    """The read half of ``CatalogRepository`` over one ``sqlite3`` connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    def by_gtin(self, gtin: str) -> Product | None:
        row = self._conn.execute(f"{_SELECT} FROM products WHERE products.gtin = ?",
                                 (gtin,)).fetchone()
        return None if row is None else _product(row)

    def by_sku(self, sku: str) -> Product | None:
        row = self._conn.execute(f"{_SELECT} FROM products WHERE products.sku = ?",
                                 (sku.strip().upper(),)).fetchone()
        return None if row is None else _product(row)

    def search(self, text: str, limit: int = 50) -> list[Product]:
        needle = fold(text.strip())
        if not needle or limit <= 0:
            return []
        ranges = [("name_fold", needle), ("sku", text.strip().upper())]
        if needle.isdigit():
            ranges.append(("gtin", needle))
        hits: dict[str, tuple[object, ...]] = {}
        for key, start in ranges:
            for row in self._conn.execute(_RANGE[key], (start, start + _TOP, limit)):
                hits.setdefault(row[0], row)
        ordered = sorted(hits.values(), key=lambda r: str(r[7]))[:limit]
        found = [_product(r) for r in ordered]
        if len(found) < limit:  # "contains", as SqlCatalogRepository.search
            seen = {p.sku for p in found}
            pattern = "%" + _escape_like(needle) + "%"
            rows = self._conn.execute(_CONTAINS, (pattern, pattern, limit + len(found)))
            extra = sorted((r for r in rows if r[0] not in seen), key=lambda r: str(r[7]))
            found.extend(_product(r) for r in extra[:limit - len(found)])
        return found

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM products").fetchone()[0])

    def upsert_many(self, products: Iterable[Product]) -> int:
        raise RuntimeError("the fast read path is read-only: write through the ledger")


class _NoSales:
    """``uow.sales`` of a read unit of work: sales are read and written through the ledger."""

    def _refuse(self, *_args: object) -> NoReturn:
        raise RuntimeError("the fast read path reads the catalog only: use the ledger")

    def add(self, sale: CompletedSale) -> CompletedSale:
        self._refuse()

    def get(self, sale_id: UUID) -> CompletedSale | None:
        self._refuse()

    def by_receipt(self, till_id: str, receipt_no: int) -> CompletedSale | None:
        self._refuse()

    def since(self, when: datetime | None) -> Iterator[CompletedSale]:
        self._refuse()

    def count(self) -> int:
        self._refuse()


class FastReadUnitOfWork:
    """One deferred read transaction on this thread's read-only connection."""

    catalog: CatalogRepository
    sales: SaleRepository
    connection: sqlite3.Connection

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = self.connection = connection
        self.catalog = FastCatalogReader(connection)
        self.sales = _NoSales()

    def __enter__(self) -> Self:
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise read_error(exc) from exc
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()
        if isinstance(exc, sqlite3.Error):
            raise read_error(exc) from exc

    def commit(self) -> None:
        """Ends the read transaction (nothing can have been written)."""
        self.rollback()

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.rollback()


class FastReads:
    """``read_uow_factory`` over the ledger file at ``path``: one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uri = read_only_uri(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[sqlite3.Connection] = []
        self._closed = False

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._lock:
            if self._closed:
                raise LedgerError("The till is closing; scan again after it restarts.",
                                  code="IT-203")
            try:
                conn = sqlite3.connect(self._uri, uri=True, timeout=5.0, isolation_level=None,
                                       check_same_thread=False)
                for name, value in READ_PRAGMAS:
                    conn.execute(f"PRAGMA {name}={value}")
            except sqlite3.Error as exc:
                raise read_error(exc) from exc
            self._open.append(conn)
        self._local.conn = conn
        return conn

    def __call__(self) -> FastReadUnitOfWork:
        return FastReadUnitOfWork(self._connection())

    def close(self) -> None:
        """Close every connection (call when no unit of work is in use)."""
        with self._lock:
            self._closed = True
            conns, self._open = self._open, []
        for conn in conns:
            conn.close()
