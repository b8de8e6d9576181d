"""The stdlib read path (adapters/db/fast_read.py) answers exactly as the SQLAlchemy one.

One ledger per module: the demo catalog plus edge cases (inactive products, GTIN-8/12/14,
case and accents, LIKE wildcards in names, equal names), then the same questions asked
through ``Ledger.read_uow`` and through ``FastReads``: lookups by GTIN and SKU, whole scans
through ``product_lookup`` (GTIN normalisation, SKU fallback, errors), search (order,
limits, prefixes and "contains"), count.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ireti_till.adapters.config_file import load_config
from ireti_till.adapters.db.fast_read import FastReads, fold
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import LedgerError, TillError
from ireti_till.domain.money import Money
from ireti_till.services import product_lookup

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "catalog" / "demo_catalog.csv"


def _eur(minor: int) -> Money:
    return Money(minor, "EUR")


EDGE = [
    Product("EDGE-1", "96385074", "Édith's Crème brûlée", _eur(450), "S"),  # GTIN-8
    Product("EDGE-2", "0012345678905", "STRASSE Straße mix", _eur(199), "S"),  # from UPC-A
    Product("EDGE-3", "10012345678902", "Case of 12 cola", _eur(1299), "S"),  # GTIN-14
    Product("EDGE-4", "4006381333931", "Old pen (no longer sold)", _eur(99), "S", False),
    Product("EDGE-5", None, "100% juice_apple \\ pear", _eur(250), "S"),
    Product("edge-6", None, "Twin name", _eur(100), "S"),
    Product("EDGE-7", None, "Twin name", _eur(101), "S"),
    Product("EDGE-8", None, "twin NAME", _eur(102), "S", False),
    Product("ÄPFEL-9", None, "Äpfel lose", _eur(300), "S"),
]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    data = tmp_path_factory.mktemp("fast-read")
    config = load_config(data)
    ledger = open_ledger(data)
    assert ledger.seed_catalog_if_empty(DEMO, config.store) >= 200
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many(EDGE)
        uow.commit()
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def fast(ledger: Ledger) -> Iterator[FastReads]:
    reads = FastReads(ledger.path)
    yield reads
    reads.close()


def _all(ledger: Ledger) -> list[Product]:
    """Every stored product (active or not), read through the SQLAlchemy repository."""
    conn = sqlite3.connect(ledger.path)
    try:
        skus = [row[0] for row in conn.execute("SELECT sku FROM products ORDER BY sku")]
    finally:
        conn.close()
    with ledger.read_uow() as uow:
        found = [uow.catalog.by_sku(sku) for sku in skus]
    return [p for p in found if p is not None]


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except TillError as exc:
        return (type(exc).__name__, exc.code, str(exc))


def test_lookups_by_gtin_and_sku_agree(ledger: Ledger, fast: FastReads) -> None:
    products = _all(ledger)
    assert len(products) > 200
    with ledger.read_uow() as sql, fast() as quick:
        assert quick.catalog.count() == sql.catalog.count()
        for p in products:
            if p.gtin:
                assert quick.catalog.by_gtin(p.gtin) == sql.catalog.by_gtin(p.gtin) == p
            for sku in (p.sku, p.sku.lower(), f"  {p.sku} "):
                assert quick.catalog.by_sku(sku) == sql.catalog.by_sku(sku)
            assert quick.catalog.by_sku(p.sku) == p
        for missing in ("0000000000000", "", "nope"):
            assert quick.catalog.by_gtin(missing) is None is sql.catalog.by_gtin(missing)
            assert quick.catalog.by_sku(missing) is None is sql.catalog.by_sku(missing)
    inactive = next(p for p in products if p.sku == "EDGE-4")
    assert inactive.active is False  # returned as stored; product_lookup refuses to sell it


SCANS = [
    "96385074", "012345678905", "0012345678905", "10012345678902", "4006381333931",
    "4006381333932", "2000000010007", "02000000010007", "edge-5", "EDGE-6", "äpfel-9",
    "bak-00001", "12345", "1234567890123456", "no-such-sku", "20000000100",
]


@pytest.mark.parametrize("code", SCANS)
def test_scans_through_product_lookup_agree(ledger: Ledger, fast: FastReads, code: str) -> None:
    expected = _outcome(lambda: product_lookup.by_code(ledger.read_uow, code))
    assert _outcome(lambda: product_lookup.by_code(fast, code)) == expected
    assert _outcome(lambda: product_lookup.by_sku(fast, code)) == _outcome(
        lambda: product_lookup.by_sku(ledger.read_uow, code))


def test_the_scans_cover_found_inactive_unknown_and_bad_digits(ledger: Ledger,
                                                               fast: FastReads) -> None:
    outcomes = {code: _outcome(partial(product_lookup.by_code, fast, code)) for code in SCANS}
    assert outcomes["012345678905"] == EDGE[1]  # UPC-A scan finds the stored GTIN-13
    assert outcomes["4006381333931"][:2] == ("NotFoundError", "IT-111")  # type: ignore[index]
    assert outcomes["4006381333932"][:2] == ("InputError", "IT-121")  # type: ignore[index]
    assert outcomes["no-such-sku"][:2] == ("NotFoundError", "IT-110")  # type: ignore[index]
    assert isinstance(outcomes["edge-5"], Product)


QUERIES = ["bread", "Bread", "market", "m", "tw", "twin", "TWIN NAME", "name", "straße",
           "STRASSE", "édith", "EDITH", "crème", "äpfel", "ÄPF", "bak-0", "BAK-00001",
           "2000000", "0012", "1", "%", "_", "\\", "100%", "juice_", "e", "  milk  ",
           "zzzz", "", "   ", "a" * 60]


@pytest.mark.parametrize("limit", [1, 3, 7, 50, 200])
def test_search_results_and_order_agree(ledger: Ledger, fast: FastReads, limit: int) -> None:
    for query in QUERIES:
        with ledger.read_uow() as sql, fast() as quick:
            assert quick.catalog.search(query, limit) == sql.catalog.search(query, limit), query
        assert product_lookup.search(fast, query, limit) == product_lookup.search(
            ledger.read_uow, query, limit), query


def test_search_finds_prefixes_before_contains_and_skips_inactive(fast: FastReads) -> None:
    with fast() as uow:
        twins = uow.catalog.search("twin", 10)
        assert [p.sku for p in twins] == ["EDGE-6", "EDGE-7"]  # EDGE-8 is inactive
        assert uow.catalog.search("bread", 0) == []
        assert all(p.active for p in uow.catalog.search("e", 200))


_NAME_CHARS = st.sampled_from(list("abcdeilmnorstuwßÄäÉé%_\\ 0123-KB"))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(_NAME_CHARS, max_size=6), st.integers(1, 60))
def test_search_agrees_on_any_text(ledger: Ledger, fast: FastReads, text: str,
                                   limit: int) -> None:
    with ledger.read_uow() as sql, fast() as quick:
        assert quick.catalog.search(text, limit) == sql.catalog.search(text, limit)


def test_fold_is_the_repository_fold() -> None:
    from ireti_till.adapters.db import catalog_repo

    for text in ("Straße", "É", "e\u0301", "ÅNGSTRÖM", "İstanbul", "ﬁ"):
        assert fold(text) == catalog_repo.fold(text)


def test_reads_are_read_only_and_writes_go_elsewhere(fast: FastReads) -> None:
    with fast() as uow:
        with pytest.raises(RuntimeError):
            uow.catalog.upsert_many(EDGE[:1])
        with pytest.raises(RuntimeError):
            uow.sales.count()
    with pytest.raises(LedgerError) as caught, fast() as uow:  # query_only, mode=ro
        uow.connection.execute("DELETE FROM products")
    assert caught.value.code == "IT-203"
    with fast() as uow:
        assert uow.catalog.by_sku("EDGE-1") == EDGE[0]  # nothing was deleted


def test_each_thread_reads_on_its_own_connection(ledger: Ledger, fast: FastReads) -> None:
    seen: list[object] = []

    def read() -> None:
        with fast() as uow:
            seen.append(uow.catalog.by_sku("EDGE-1"))

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    read()
    assert seen == [EDGE[0], EDGE[0]]


def test_a_damaged_file_reads_as_a_ledger_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"not a database" * 400)
    reads = FastReads(path)
    try:
        with pytest.raises(LedgerError) as caught, reads() as uow:
            uow.catalog.count()
        assert caught.value.code == "IT-201"
    finally:
        reads.close()


def test_sees_what_the_ledger_commits_later(ledger: Ledger, fast: FastReads) -> None:
    late = Product("LATE-1", None, "Late arrival", _eur(5), "S")
    with fast() as uow:
        assert uow.catalog.by_sku("LATE-1") is None
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many([late])
        uow.commit()
    with fast() as uow:
        assert uow.catalog.by_sku("late-1") == late


def test_importing_the_fast_path_loads_no_sqlalchemy_or_alembic() -> None:
    code = ("import sys, ireti_till.adapters.db.fast_read, ireti_till.adapters.db.preflight\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'sqlalchemy', 'alembic', 'PySide6', 'stripe'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO, timeout=60)
    assert out.stdout.strip() == "[]"


def test_connections_are_read_only_with_the_reader_pragmas(fast: FastReads) -> None:
    with fast() as uow:
        conn = uow.connection
        assert isinstance(conn, sqlite3.Connection)
        assert conn.execute("PRAGMA query_only").fetchone() == (1,)
        assert conn.execute("PRAGMA trusted_schema").fetchone() == (0,)
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (5000,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
