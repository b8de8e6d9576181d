"""The ledger with real SQLite files: settings, sales, receipt numbers, catalog, failures."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from test_ledger_fixtures import BASE_TIME, eur, make_product, make_sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.db.sale_repo import receipt_numbers
from ireti_till.adapters.db.uow import register_repository
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError, LedgerError

DEMO = Path(__file__).resolve().parents[2] / "resources" / "catalog" / "demo_catalog.csv"


@pytest.fixture
def ledger(data_dir: Path) -> Ledger:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


def test_every_connection_has_the_design_pragmas(ledger: Ledger) -> None:
    for _ in range(2):  # a second pooled connection too
        with ledger.engine.connect() as conn:
            values = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "synchronous", "foreign_keys",
                                   "busy_timeout", "trusted_schema")}
        assert values == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                          "busy_timeout": 5000, "trusted_schema": 0}


def test_write_transactions_begin_immediate(ledger: Ledger) -> None:
    """A unit of work holds the write lock from its first statement, even a read; a
    read-only unit of work does not."""
    other = sqlite3.connect(ledger.path, timeout=0, isolation_level=None)
    try:
        with ledger.uow_factory() as uow:
            uow.catalog.count()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with ledger.read_uow() as uow:
            uow.catalog.count()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_sale_round_trips_exactly(ledger: Ledger) -> None:
    sale = make_sale(1, lines=4, training=False)
    with ledger.uow_factory() as uow:
        stored = uow.sales.add(sale)
        uow.commit()
    assert stored.receipt_no == 1
    assert stored == dataclasses.replace(sale, receipt_no=1)
    with ledger.read_uow() as uow:
        assert uow.sales.get(sale.sale_id) == stored
        assert uow.sales.by_receipt("T01", 1) == stored
        assert uow.sales.by_receipt("T01", 2) is None
    assert stored.completed_at.tzinfo is not None


def test_receipt_numbers_are_per_till_and_gap_free(ledger: Ledger) -> None:
    for i in range(5):
        for till in ("T01", "T02"):
            with ledger.uow_factory() as uow:
                uow.sales.add(make_sale(i, till_id=till))
                uow.commit()
    with ledger.engine.connect() as conn:
        assert list(receipt_numbers(conn, "T01")) == [1, 2, 3, 4, 5]
        assert list(receipt_numbers(conn, "T02")) == [1, 2, 3, 4, 5]


def test_no_commit_means_nothing_written_and_no_number_used(ledger: Ledger) -> None:
    with ledger.uow_factory() as uow:
        uow.sales.add(make_sale(1))  # left without commit()
    with pytest.raises(RuntimeError), ledger.uow_factory() as uow:
        uow.sales.add(make_sale(2))
        raise RuntimeError("crash before commit")
    with ledger.uow_factory() as uow:
        stored = uow.sales.add(make_sale(3))
        uow.commit()
        assert uow.sales.count() == 1
    assert stored.receipt_no == 1


def test_a_failing_sale_becomes_a_ledger_error_and_keeps_numbers_gap_free(
    ledger: Ledger,
) -> None:
    first = make_sale(1)
    with ledger.uow_factory() as uow:
        uow.sales.add(first)
        uow.commit()
    with pytest.raises(LedgerError) as caught, ledger.uow_factory() as uow:
        uow.sales.add(dataclasses.replace(make_sale(2), sale_id=first.sale_id))  # same UUID
        uow.commit()
    assert caught.value.code == "IT-203"
    with ledger.uow_factory() as uow:
        assert uow.sales.add(make_sale(3)).receipt_no == 2
        uow.commit()


def test_naive_timestamps_are_refused(ledger: Ledger) -> None:
    naive = dataclasses.replace(make_sale(1), completed_at=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(LedgerError), ledger.uow_factory() as uow:
        uow.sales.add(naive)
        uow.commit()


def test_concurrent_tills_threads_never_duplicate_numbers(ledger: Ledger) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def ring(worker: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with ledger.uow_factory() as uow:
                    uow.sales.add(make_sale(worker * 100 + i))
                    uow.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ring, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with ledger.engine.connect() as conn:
        assert list(receipt_numbers(conn, "T01")) == list(range(1, 61))


def test_since_pages_through_all_sales_in_time_order(ledger: Ledger) -> None:
    with ledger.uow_factory() as uow:
        for i in range(450):
            uow.sales.add(make_sale(i, lines=1))
        uow.commit()
    with ledger.read_uow() as uow:
        everything = list(uow.sales.since(None))
        later = list(uow.sales.since(BASE_TIME + timedelta(minutes=400)))
    assert [s.receipt_no for s in everything] == list(range(1, 451))
    assert [s.receipt_no for s in later] == list(range(401, 451))


def test_catalog_upsert_lookup_and_search(ledger: Ledger) -> None:
    products = [
        Product("MILK-1", "4006381333931", "Whole milk 1L", eur(109), "R"),
        Product("oat-1", None, "Oat drink 1L", eur(189), "R"),
        Product("SOAP", None, "Olive oil soap", eur(145), "S", active=False),
        Product("CHOC", None, "Dark chocolate (milk-free)", eur(199), "S"),
    ]
    with ledger.uow_factory() as uow:
        assert uow.catalog.upsert_many(products) == 4
        uow.commit()
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many([dataclasses.replace(products[0], unit_price=eur(115))])
        uow.commit()
    with ledger.read_uow() as uow:
        assert uow.catalog.count() == 4
        milk = uow.catalog.by_gtin("4006381333931")
        assert milk is not None and milk.unit_price == eur(115)
        assert uow.catalog.by_sku("oat-1") == dataclasses.replace(products[1], sku="OAT-1")
        assert [p.sku for p in uow.catalog.search("MILK")] == ["MILK-1", "CHOC"]  # prefix first
        assert [p.sku for p in uow.catalog.search("oil")] == []  # inactive is not offered
        assert [p.sku for p in uow.catalog.search("40063")] == ["MILK-1"]
        assert [p.sku for p in uow.catalog.search("1333931")] == []  # GTIN: prefix only
        assert uow.catalog.search("   ") == []
        assert uow.catalog.search("%") == [] and uow.catalog.search("_") == []  # literal
        assert [p.sku for p in uow.catalog.search("ILK-F")] == ["CHOC"]  # contains, any case
        assert len(uow.catalog.search("1l", limit=1)) == 1


def test_a_gtin_owned_by_another_sku_rolls_the_whole_batch_back(ledger: Ledger) -> None:
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many([Product("A", "4006381333931", "A", eur(1), "S")])
        uow.commit()
    clash = [make_product(1), Product("B", "4006381333931", "B", eur(2), "S")]
    with pytest.raises(InputError) as caught, ledger.uow_factory() as uow:
        uow.catalog.upsert_many(clash)
        uow.commit()
    assert caught.value.code == "IT-181"
    assert "4006381333931 of B already belongs to A" in str(caught.value)
    with ledger.read_uow() as uow:
        assert uow.catalog.count() == 1


def test_seed_catalog_loads_the_demo_catalog_once(ledger: Ledger) -> None:
    assert ledger.seed_catalog_if_empty(DEMO) >= 200
    assert ledger.seed_catalog_if_empty(DEMO) == 0
    with ledger.read_uow() as uow:
        codes = {p.tax_code for p in uow.catalog.search("a", limit=500)}
    assert codes == {"S", "R", "Z"}


def test_extra_repositories_can_be_registered(ledger: Ledger) -> None:
    class Pinger:
        def __init__(self, conn: object) -> None:
            self.conn = conn

        def ping(self) -> int:
            return int(self.conn.execute(text("SELECT 1")).scalar_one())  # type: ignore[attr-defined]

    register_repository("pinger_for_test", Pinger)
    with ledger.uow_factory() as uow:
        assert uow.pinger_for_test.ping() == 1  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        register_repository("sales", Pinger)


@pytest.mark.parametrize("statement", [
    "UPDATE sales SET total_minor = 1",
    "DELETE FROM sales",
    "UPDATE sale_lines SET quantity = 9",
    "DELETE FROM sale_tenders",
    "DELETE FROM sale_taxes",
])
def test_completed_sales_are_append_only(ledger: Ledger, statement: str) -> None:
    with ledger.uow_factory() as uow:
        uow.sales.add(make_sale(1))
        uow.commit()
    with pytest.raises(LedgerError) as caught, ledger.uow_factory() as uow:
        uow.connection.exec_driver_sql(statement)
        uow.commit()
    assert "append-only" in str(caught.value)
    with ledger.read_uow() as uow:
        stored = uow.sales.by_receipt("T01", 1)
    assert stored is not None and stored.total == eur(360) and len(stored.tenders) == 1


def test_a_data_dir_with_url_characters_in_its_name_works(tmp_path: Path) -> None:
    odd = tmp_path / "Till #2? 50% off & more"
    odd.mkdir()
    opened = open_ledger(odd)
    try:
        with opened.uow_factory() as uow:
            uow.sales.add(make_sale(1))
            uow.commit()
    finally:
        opened.close()
    assert (odd / "ledger.sqlite3").stat().st_size > 0
