"""The in-memory ports honour the unit-of-work contract other tests rely on."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import uuid4

import pytest

from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from tests.fakes import FakeClock, FakeLedger, FakeUnitOfWorkFactory, make_product


def draft(till: str = "T1", clock: FakeClock | None = None) -> CompletedSale:
    now = (clock or FakeClock()).now()
    zero = Money(0, "EUR")
    return CompletedSale(uuid4(), till, 0, "Ada", now, now, "EUR", (), (), (), zero, zero, zero,
                         zero, zero)


def test_nothing_is_visible_without_commit():
    factory = FakeUnitOfWorkFactory()
    with factory() as uow:
        uow.sales.add(draft())
        uow.catalog.upsert_many([make_product(1)])
        assert uow.sales.count() == 1  # visible inside its own transaction
    with factory() as uow:
        assert uow.sales.count() == 0
        assert uow.catalog.count() == 0


def test_commit_and_gap_free_receipts_per_till():
    factory = FakeUnitOfWorkFactory()
    with factory() as uow:
        assert uow.sales.add(draft("T1")).receipt_no == 1
        uow.rollback()
    numbers = []
    for till in ("T1", "T2", "T1", "T1", "T2"):
        with factory() as uow:
            numbers.append((till, uow.sales.add(draft(till)).receipt_no))
            uow.commit()
    assert numbers == [("T1", 1), ("T2", 1), ("T1", 2), ("T1", 3), ("T2", 2)]
    with factory() as uow:
        assert uow.sales.by_receipt("T1", 3) is not None
        assert uow.sales.by_receipt("T1", 4) is None


def test_injected_commit_failure_discards_the_transaction():
    factory = FakeUnitOfWorkFactory()
    factory.ledger.fail_next_commits = 1
    with pytest.raises(OSError), factory() as uow:
        uow.sales.add(draft())
        uow.commit()
    with factory() as uow:
        assert uow.sales.count() == 0
        assert uow.sales.add(draft()).receipt_no == 1


def test_catalog_lookups_and_search():
    ledger = FakeLedger([make_product(1, name="Green tea"), make_product(2, name="Tea towel"),
                         make_product(3, name="Coffee", active=False)])
    factory = FakeUnitOfWorkFactory(ledger)
    with factory() as uow:
        p1 = make_product(1)
        assert uow.catalog.by_gtin(p1.gtin or "") is not None
        assert uow.catalog.by_sku("SKU-0002") is not None
        assert [p.sku for p in uow.catalog.search("tea")] == ["SKU-0002", "SKU-0001"]
        assert uow.catalog.search("coffee") == []  # inactive products are not offered
        uow.catalog.upsert_many([dataclasses.replace(p1, gtin=None)])
        uow.commit()
    with factory() as uow:
        assert uow.catalog.by_gtin(p1.gtin or "") is None  # the old barcode is gone


def test_clock_and_since():
    clock = FakeClock()
    factory = FakeUnitOfWorkFactory()
    for _ in range(3):
        with factory() as uow:
            uow.sales.add(draft(clock=clock))
            uow.commit()
        clock.advance(60)
    with factory() as uow:
        later = clock.now() - timedelta(seconds=90)
        assert len(list(uow.sales.since(later))) == 1
        assert len(list(uow.sales.since(None))) == 3
