"""The sale repository: one completed sale = one sale row, its lines, taxes and tenders,
and the bump of its till's receipt counter, all inside the caller's ``BEGIN IMMEDIATE``
transaction. Because the counter row and the sale commit or vanish together, receipt
numbers per till are gap-free and never reused, also across crashes; the unique index
``(till_id, receipt_no)`` makes a duplicate impossible even if that reasoning were wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID

from sqlalchemy import Row, Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.engine import Connection

from ireti_till.adapters.db import models
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender

sales: Final = cast(Table, models.Sale.__table__)
lines: Final = cast(Table, models.SaleLine.__table__)
taxes: Final = cast(Table, models.SaleTax.__table__)
tenders: Final = cast(Table, models.SaleTender.__table__)
counters: Final = cast(Table, models.ReceiptCounter.__table__)
_PAGE: Final = 200


# Built once: statement construction and cache-key work stay off the commit path.
_BUMP: Final = (
    update(counters).where(counters.c.till_id == bindparam("till"))
    .values(last_no=counters.c.last_no + 1).returning(counters.c.last_no)
)
_FIRST: Final = insert(counters).values(till_id=bindparam("till"), last_no=1)
_INSERT_SALE: Final = insert(sales)
_INSERT_LINES: Final = insert(lines)
_INSERT_TAXES: Final = insert(taxes)
_INSERT_TENDERS: Final = insert(tenders)


def next_receipt_no(conn: Connection, till_id: str) -> int:
    """Allocate the next receipt number for ``till_id`` in the current write transaction."""
    bumped = conn.execute(_BUMP, {"till": till_id}).scalar()
    if bumped is not None:
        return int(bumped)
    conn.execute(_FIRST, {"till": till_id})
    return 1


class SqlSaleRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, sale: CompletedSale) -> CompletedSale:
        receipt_no = next_receipt_no(self._conn, sale.till_id)
        sale = dataclasses.replace(sale, receipt_no=receipt_no)
        sid = str(sale.sale_id)
        cur = sale.currency
        self._conn.execute(_INSERT_SALE, [{
            "id": sid, "till_id": sale.till_id, "receipt_no": receipt_no,
            "cashier": sale.cashier, "started_at": sale.started_at,
            "completed_at": sale.completed_at, "currency": cur,
            "subtotal_minor": sale.subtotal.minor,
            "discount_total_minor": sale.discount_total.minor,
            "tax_total_minor": sale.tax_total.minor, "total_minor": sale.total.minor,
            "change_minor": sale.change.minor, "training": sale.training,
        }])
        if sale.lines:
            self._conn.execute(_INSERT_LINES, [{
                "sale_id": sid, "line_no": ln.line_no, "sku": ln.sku, "gtin": ln.gtin,
                "name": ln.name, "quantity": ln.quantity, "currency": ln.total.currency,
                "unit_price_minor": ln.unit_price.minor, "list_price_minor": ln.list_price.minor,
                "discount_minor": ln.discount.minor, "total_minor": ln.total.minor,
                "tax_code": ln.tax_code, "tax_minor": ln.tax.minor,
                "override_reason": ln.override_reason, "voided": ln.voided,
            } for ln in sale.lines])
        if sale.taxes:
            self._conn.execute(_INSERT_TAXES, [{
                "sale_id": sid, "tax_code": t.tax_code, "rate_text": t.rate_text,
                "currency": t.gross.currency, "net_minor": t.net.minor, "tax_minor": t.tax.minor,
                "gross_minor": t.gross.minor,
            } for t in sale.taxes])
        if sale.tenders:
            self._conn.execute(_INSERT_TENDERS, [{
                "sale_id": sid, "seq": i, "kind": t.kind, "currency": t.amount.currency,
                "amount_minor": t.amount.minor, "tendered_minor": t.tendered.minor,
                "change_minor": t.change.minor, "reference": t.reference,
                "card_brand": t.card_brand, "card_last4": t.card_last4,
            } for i, t in enumerate(sale.tenders, start=1)])
        return sale

    def get(self, sale_id: UUID) -> CompletedSale | None:
        found = self._load(select(sales).where(sales.c.id == str(sale_id)))
        return found[0] if found else None

    def by_receipt(self, till_id: str, receipt_no: int) -> CompletedSale | None:
        found = self._load(
            select(sales).where(sales.c.till_id == till_id, sales.c.receipt_no == receipt_no)
        )
        return found[0] if found else None

    def since(self, when: datetime | None) -> Iterator[CompletedSale]:
        """Sales completed at or after ``when`` (all if None), oldest first, paged."""
        query = select(sales).order_by(sales.c.completed_at, sales.c.id).limit(_PAGE)
        if when is not None:
            query = query.where(sales.c.completed_at >= when)
        after: tuple[datetime, str] | None = None
        while True:
            page_query = query
            if after is not None:
                page_query = query.where(tuple_(sales.c.completed_at, sales.c.id) > after)
            page = self._load(page_query)
            yield from page
            if len(page) < _PAGE:
                return
            after = (page[-1].completed_at, str(page[-1].sale_id))

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(sales)).scalar_one())

    def last_receipt_no(self, till_id: str) -> int:
        value = self._conn.execute(
            select(counters.c.last_no).where(counters.c.till_id == till_id)
        ).scalar()
        return int(value or 0)

    # loading ---------------------------------------------------------------------------
    def _load(self, query: Any) -> list[CompletedSale]:
        heads = self._conn.execute(query).all()
        if not heads:
            return []
        ids = [h.id for h in heads]
        by_sale: dict[str, dict[str, list[Row[Any]]]] = {
            i: {"lines": [], "taxes": [], "tenders": []} for i in ids
        }
        for key, table, order in (("lines", lines, lines.c.line_no),
                                  ("taxes", taxes, taxes.c.tax_code),
                                  ("tenders", tenders, tenders.c.seq)):
            for row in self._conn.execute(
                select(table).where(table.c.sale_id.in_(ids)).order_by(table.c.sale_id, order)
            ):
                by_sale[row.sale_id][key].append(row)
        return [_sale(h, by_sale[h.id]) for h in heads]


def _sale(head: Row[Any], parts: dict[str, list[Row[Any]]]) -> CompletedSale:
    cur: str = head.currency

    def m(minor: int, currency: str = cur) -> Money:
        return Money(minor, currency)

    return CompletedSale(
        sale_id=UUID(head.id), till_id=head.till_id, receipt_no=head.receipt_no,
        cashier=head.cashier, started_at=head.started_at, completed_at=head.completed_at,
        currency=cur,
        lines=tuple(SaleLine(
            line_no=r.line_no, sku=r.sku, gtin=r.gtin, name=r.name, quantity=r.quantity,
            unit_price=m(r.unit_price_minor, r.currency),
            list_price=m(r.list_price_minor, r.currency),
            discount=m(r.discount_minor, r.currency), total=m(r.total_minor, r.currency),
            tax_code=r.tax_code, tax=m(r.tax_minor, r.currency),
            override_reason=r.override_reason, voided=bool(r.voided),
        ) for r in parts["lines"]),
        taxes=tuple(TaxLine(
            tax_code=r.tax_code, rate_text=r.rate_text, net=m(r.net_minor, r.currency),
            tax=m(r.tax_minor, r.currency), gross=m(r.gross_minor, r.currency),
        ) for r in parts["taxes"]),
        tenders=tuple(Tender(
            kind=r.kind, amount=m(r.amount_minor, r.currency),
            tendered=m(r.tendered_minor, r.currency), change=m(r.change_minor, r.currency),
            reference=r.reference, card_brand=r.card_brand, card_last4=r.card_last4,
        ) for r in parts["tenders"]),
        subtotal=m(head.subtotal_minor), discount_total=m(head.discount_total_minor),
        tax_total=m(head.tax_total_minor), total=m(head.total_minor),
        change=m(head.change_minor), training=bool(head.training),
    )


def receipt_numbers(conn: Connection, till_id: str) -> Sequence[int]:
    """All receipt numbers of one till, ascending (used by checks and tests)."""
    return [int(r[0]) for r in conn.execute(
        select(sales.c.receipt_no).where(sales.c.till_id == till_id).order_by(sales.c.receipt_no)
    )]
