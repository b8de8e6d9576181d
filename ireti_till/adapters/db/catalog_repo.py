"""The catalog repository over the ``products`` table (SQLAlchemy Core, frozen results).

SKUs are case-insensitive: they are stored upper-case (the importer normalises them) and
looked up upper-case. Search is two-phase so the common case uses indexes: prefixes of the
name, SKU or GTIN first (index range scans), then "contains" matches until ``limit``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Final, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ireti_till.adapters.db import models
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money

products_t: Final = cast(Table, models.Product.__table__)
_COLUMNS: Final = (
    products_t.c.sku, products_t.c.gtin, products_t.c.name, products_t.c.unit_price_minor,
    products_t.c.currency, products_t.c.tax_code, products_t.c.active,
)
_TOP: Final = "\U0010ffff"  # sorts after every character: [t, t+_TOP) is "starts with t"
_BATCH: Final = 2000


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fold(text: str) -> str:
    """The search form of a name: NFC, case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def _product(row: Any) -> Product:
    return Product(
        sku=row.sku, gtin=row.gtin, name=row.name,
        unit_price=Money(row.unit_price_minor, row.currency),
        tax_code=row.tax_code, active=bool(row.active),
    )


class SqlCatalogRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def by_gtin(self, gtin: str) -> Product | None:
        row = self._conn.execute(select(*_COLUMNS).where(products_t.c.gtin == gtin)).first()
        return None if row is None else _product(row)

    def by_sku(self, sku: str) -> Product | None:
        row = self._conn.execute(
            select(*_COLUMNS).where(products_t.c.sku == sku.strip().upper())
        ).first()
        return None if row is None else _product(row)

    def search(self, text: str, limit: int = 50) -> list[Product]:
        needle = fold(text.strip())
        if not needle or limit <= 0:
            return []
        upper = text.strip().upper()
        # One indexed range query per key (an OR of ranges would make SQLite walk the whole
        # name index), merged here: prefix matches first, by name.
        ranges = [(products_t.c.name_fold, needle), (products_t.c.sku, upper)]
        if needle.isdigit():
            ranges.append((products_t.c.gtin, needle))
        hits: dict[str, Any] = {}
        for column, start in ranges:
            query = (select(*_COLUMNS, products_t.c.name_fold)
                     .where(column >= start, column < start + _TOP,
                            products_t.c.active.is_(True))
                     .order_by(column).limit(limit))
            for row in self._conn.execute(query):
                hits.setdefault(row.sku, row)
        found = [_product(r) for r in sorted(hits.values(), key=lambda r: r.name_fold)[:limit]]
        if len(found) < limit:
            # "contains": a plain table scan (no ORDER BY, so SQLite does not walk the name
            # index row by row); LIKE is case-blind for ASCII and name_fold is case-folded.
            seen = {p.sku for p in found}
            pattern = "%" + _escape_like(needle) + "%"
            contains = or_(products_t.c.name_fold.like(pattern, escape="\\"),
                           products_t.c.sku.like(pattern, escape="\\"))
            query = (select(*_COLUMNS, products_t.c.name_fold)
                     .where(products_t.c.active.is_(True), contains).limit(limit + len(found)))
            extra = sorted((r for r in self._conn.execute(query) if r.sku not in seen),
                           key=lambda r: r.name_fold)
            found.extend(_product(r) for r in extra[:limit - len(found)])
        return found

    def upsert_many(self, products: Iterable[Product]) -> int:
        """Insert or update products by SKU, in batches; returns how many were written.

        A GTIN that already belongs to another SKU raises ``InputError`` (IT-181) naming both;
        the caller's unit of work then rolls everything back."""
        stmt = sqlite_insert(products_t)
        stmt = stmt.on_conflict_do_update(
            index_elements=[products_t.c.sku],
            set_={
                name: stmt.excluded[name]
                for name in ("gtin", "name", "name_fold", "unit_price_minor", "currency",
                             "tax_code", "active")
            },
        )
        written = 0
        iterator = iter(products)
        while batch := list(islice(iterator, _BATCH)):
            rows = [
                {
                    "sku": p.sku.upper(), "gtin": p.gtin, "name": p.name, "name_fold": fold(p.name),
                    "unit_price_minor": p.unit_price.minor, "currency": p.unit_price.currency,
                    "tax_code": p.tax_code, "active": p.active,
                }
                for p in batch
            ]
            try:
                self._conn.execute(stmt, rows)
            except IntegrityError as exc:
                raise self._conflict(batch) from exc
            written += len(rows)
        return written

    def _conflict(self, batch: Sequence[Product]) -> InputError:
        gtins = [p.gtin for p in batch if p.gtin]
        owners: dict[str, str] = {}
        for start in range(0, len(gtins), 500):
            chunk = gtins[start:start + 500]
            for row in self._conn.execute(
                select(products_t.c.gtin, products_t.c.sku).where(products_t.c.gtin.in_(chunk))
            ):
                owners[row.gtin] = row.sku
        clashes = [
            f"GTIN {p.gtin} of {p.sku} already belongs to {owners[p.gtin]}"
            for p in batch if p.gtin in owners and owners[p.gtin] != p.sku.upper()
        ]
        detail = "; ".join(clashes[:5]) or "a GTIN appears twice"
        return InputError(f"Nothing was imported: {detail}", code="IT-181")

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(products_t)).scalar_one())
