"""Helpers shared by the card-payment tests: a migrated ledger, a sale to tender, clocks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import Engine

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine


def migrated_engine(path: Path) -> Engine:
    """A ledger at ``path`` upgraded to every head (branches 0002-0004 until the merge)."""
    engine = make_engine(path)
    migrate.upgrade(engine, target="heads")
    return engine


def uow_factory(path: Path) -> tuple[Engine, SqlPaymentUnitOfWorkFactory]:
    engine = migrated_engine(path)
    return engine, SqlPaymentUnitOfWorkFactory(engine)


class StepClock:
    """A thread-safe UTC clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **kw: float) -> datetime:
        with self._lock:
            self._now += timedelta(**kw)
            return self._now


def sale_template(total_minor: int = 1250, currency: str = "EUR", till_id: str = "T1",
                  sale_id: UUID | None = None, when: datetime | None = None) -> CompletedSale:
    """An unnumbered sale with one line, as the sale screen hands it over for tendering."""
    when = when or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    m = Money(total_minor, currency)
    tax = Money(total_minor // 6, currency)
    net = Money(total_minor - tax.minor, currency)
    line = SaleLine(1, "SKU1", "4006381333931", "Coffee beans", 1, m, m, Money(0, currency),
                    m, "S", tax)
    return CompletedSale(
        sale_id=sale_id or uuid4(), till_id=till_id, receipt_no=0, cashier="ada",
        started_at=when, completed_at=when, currency=currency, lines=(line,),
        taxes=(TaxLine("S", "20%", net, tax, m),), tenders=(), subtotal=m,
        discount_total=Money(0, currency), tax_total=tax, total=m, change=Money(0, currency),
        training=True,
    )


def iter_chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))
