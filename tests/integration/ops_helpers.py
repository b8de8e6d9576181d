"""Helpers shared by the operations tests: a migrated ledger file with some sales in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender


def make_ledger(data_dir: Path) -> Engine:
    """The ledger file in ``data_dir``, migrated to every head (branches not merged yet)."""
    engine = make_engine(data_dir / DB_FILENAME)
    migrate.upgrade(engine, target="heads")
    return engine


def a_sale(n: int, *, cashier: str = "alice", when: datetime | None = None) -> CompletedSale:
    when = when or datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(minutes=n)
    eur = lambda minor: Money(minor, "EUR")  # noqa: E731
    price = 100 + n
    return CompletedSale(
        sale_id=uuid4(), till_id="T1", receipt_no=0, cashier=cashier,
        started_at=when, completed_at=when, currency="EUR",
        lines=(SaleLine(1, f"SKU{n}", None, f"Item {n}", 1, eur(price), eur(price), eur(0),
                        eur(price), "STD", eur(0)),),
        taxes=(TaxLine("STD", "0%", eur(price), eur(0), eur(price)),),
        tenders=(Tender("cash", eur(price), eur(price), eur(0)),),
        subtotal=eur(price), discount_total=eur(0), tax_total=eur(0), total=eur(price),
        change=eur(0),
    )


def write_sales(engine: Engine, count: int, **kw: object) -> list[UUID]:
    ids: list[UUID] = []
    with SqlUnitOfWork(engine) as uow:
        for n in range(count):
            sale = uow.sales.add(a_sale(n, **kw))  # type: ignore[arg-type]
            ids.append(sale.sale_id)
        uow.commit()
    return ids


@pytest.fixture(autouse=True)
def _reset_ops_logging() -> Iterator[None]:
    """Commands call ``configure_logging``; leave the root logger as the test found it."""
    yield
    from ireti_till.adapters.logging_setup import installed_handlers

    root = logging.getLogger()
    for handler in installed_handlers():
        root.removeHandler(handler)
        handler.close()
