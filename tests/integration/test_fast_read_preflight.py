"""The start-up pre-flight (adapters/db/preflight.py): fast path only when nothing is pending.

Each case the full path must handle (no database, an older schema to migrate, a newer
schema, a damaged file, an empty demo catalog to seed) answers "not ready", and a healthy
ledger at the head answers "ready"; the head revisions agree with migrate's reader.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ireti_till.adapters.db import ledger as ledger_module
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.adapters.db.preflight import (
    DB_FILENAME,
    head_revisions,
    preflight,
    read_only_uri,
    start_preflight,
)
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.money import Money


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _ledger(data_dir: Path, products: int = 0, staff: bool = True) -> Path:
    ledger = open_ledger(data_dir)
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many(
            Product(f"P{i:05d}", None, f"Product {i}", Money(100 + i, "EUR"), "S")
            for i in range(products))
        uow.commit()
    if staff:
        build_staff_context(ledger.engine, data_dir, training=True, till_id="T01",
                            clock=_Clock()).staff.ensure_demo_staff()
    ledger.close()
    return data_dir / DB_FILENAME


def test_names_and_heads_agree_with_the_full_path() -> None:
    assert DB_FILENAME == ledger_module.DB_FILENAME
    assert head_revisions() == frozenset(migrate.script_revisions()[1])
    assert head_revisions()  # there is at least one migration


def test_a_healthy_ledger_at_head_is_ready(data_dir: Path) -> None:
    _ledger(data_dir, products=30)
    verdict = preflight(data_dir, need_catalog=True)
    assert (verdict.ready, verdict.reason, verdict.products) == (True, "ready", 30)
    assert verdict.path == data_dir / DB_FILENAME


def test_first_start_without_a_database_is_not_ready(data_dir: Path) -> None:
    verdict = preflight(data_dir)
    assert not verdict.ready and verdict.reason == "no database yet"
    assert not (data_dir / DB_FILENAME).exists()  # the pre-flight creates nothing
    (data_dir / DB_FILENAME).touch()
    assert preflight(data_dir).reason == "database empty"


def test_a_pending_migration_is_not_ready_until_the_ledger_migrates(data_dir: Path) -> None:
    engine = make_engine(data_dir / DB_FILENAME)
    try:
        migrate.upgrade(engine, target="0001_core")
    finally:
        engine.dispose()
    verdict = preflight(data_dir)
    assert not verdict.ready and "is not the head" in verdict.reason
    open_ledger(data_dir).close()  # the full path migrates (after a backup)
    assert preflight(data_dir).ready


def test_a_schema_from_a_newer_till_is_not_ready(data_dir: Path) -> None:
    path = _ledger(data_dir)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    assert not preflight(data_dir).ready


def test_a_damaged_file_is_not_ready_and_the_full_path_says_why(data_dir: Path) -> None:
    path = _ledger(data_dir, products=3000)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    page = 4096
    pages = path.stat().st_size // page
    with path.open("r+b") as handle:  # wreck a b-tree page in the middle
        handle.seek(page * (pages // 2))
        handle.write(bytes([0x0D]) + b"\xff" * (page - 1))
    verdict = preflight(data_dir)
    assert not verdict.ready
    assert verdict.reason == "quick_check failed" or verdict.reason.startswith("cannot read")
    with pytest.raises(LedgerError) as refused:  # the full path names the damage, no crash
        open_ledger(data_dir)
    assert refused.value.code == "IT-201"
    path.write_bytes(b"not a database" * 400)
    assert not preflight(data_dir).ready


def test_an_empty_catalog_is_not_ready_when_the_demo_must_be_loaded(data_dir: Path) -> None:
    _ledger(data_dir)
    assert preflight(data_dir).ready
    verdict = preflight(data_dir, need_catalog=True)
    assert not verdict.ready and verdict.reason == "catalog empty"


def test_no_staff_is_not_ready_when_the_demo_staff_must_be_loaded(data_dir: Path) -> None:
    _ledger(data_dir, products=5, staff=False)
    assert preflight(data_dir).ready
    verdict = preflight(data_dir, need_catalog=True)
    assert not verdict.ready and verdict.reason == "staff list empty"


def test_a_products_table_without_the_read_columns_is_not_ready(data_dir: Path) -> None:
    path = _ledger(data_dir)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE products RENAME COLUMN name_fold TO name_key")
    conn.close()
    verdict = preflight(data_dir)
    assert not verdict.ready and "name_fold" in verdict.reason


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write anywhere")
def test_a_read_only_database_is_not_ready(data_dir: Path) -> None:
    path = _ledger(data_dir)
    path.chmod(0o444)
    try:
        assert preflight(data_dir).reason == "database not readable and writable"
    finally:
        path.chmod(0o644)


def test_the_task_runs_on_a_thread_or_inline(data_dir: Path) -> None:
    _ledger(data_dir, products=2)
    task = start_preflight(data_dir, need_catalog=True)
    assert task.result().ready
    missing = data_dir / "elsewhere"
    missing.mkdir()
    inline = type(task)(missing)
    assert inline.result().reason == "no database yet"


def test_the_read_only_uri_survives_odd_folder_names(tmp_path: Path) -> None:
    odd = tmp_path / "Till #2? 100%"
    odd.mkdir()
    path = _ledger(odd, products=1)
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        assert conn.execute("SELECT count(*) FROM products").fetchone() == (1,)
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM products")
    finally:
        conn.close()
    assert preflight(odd).ready
