"""Migrations: from an empty database, from every earlier revision, and to a next one.

Generic over the revision history, so revisions added later are covered without editing
this file. A fake "next" revision (written into a copy of the migrations folder) checks the
upgrade path from today's schema even while only one revision exists.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from test_ledger_fixtures import make_sale

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.base import Base
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.domain.errors import LedgerError


def _script(location: Path = migrate.MIGRATIONS_DIR) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(location))
    return ScriptDirectory.from_config(config)


def _stamped(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return migrate.current_revisions(conn)
    finally:
        conn.close()


ALL_REVISIONS = [r.revision for r in _script().walk_revisions()]
HEADS = set(_script().get_heads())


def test_the_cheap_head_reader_agrees_with_alembic() -> None:
    known, heads = migrate.script_revisions()
    assert known == set(ALL_REVISIONS)
    assert heads == HEADS
    assert "0001_core" in known


def test_an_empty_database_upgrades_to_every_head(data_dir: Path) -> None:
    ledger = open_ledger(data_dir)
    ledger.close()
    assert _stamped(data_dir / DB_FILENAME) == HEADS
    assert ledger.backup_path is None  # nothing existed to back up


def test_models_and_migrations_describe_the_same_schema(data_dir: Path) -> None:
    ledger = open_ledger(data_dir)
    migrate.import_all_models()
    try:
        with ledger.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        ledger.close()
    assert diff == [], f"models*.py and migrations/versions disagree: {diff}"


@pytest.mark.parametrize("revision", [r for r in ALL_REVISIONS if r not in HEADS])
def test_every_earlier_revision_upgrades_with_a_backup_first(data_dir: Path,
                                                             revision: str) -> None:
    path = data_dir / DB_FILENAME
    engine = make_engine(path)
    migrate.upgrade(engine, target=revision)
    with engine.begin() as conn:  # data written at the old revision, in core tables
        conn.exec_driver_sql("INSERT INTO receipt_counters (till_id, last_no) VALUES ('T09', 7)")
    engine.dispose()
    ledger = open_ledger(data_dir)
    try:
        assert ledger.backup_path is not None
        assert ledger.backup_path.name.startswith(f"pre-migrate-{revision}-")
        assert _stamped(ledger.backup_path) == {revision}
        with ledger.read_uow() as uow:
            assert uow.sales.last_receipt_no("T09") == 7  # type: ignore[attr-defined]
    finally:
        ledger.close()
    assert _stamped(path) == HEADS


NEXT_REVISION = '''
"""A test-only revision after today's heads."""
import sqlalchemy as sa
from alembic import op

revision = "9999_test_next"
down_revision = {downs!r}
branch_labels = None
depends_on = None


def upgrade():
    {body}


def downgrade():
    pass
'''


def _with_next_revision(tmp_path: Path, body: str) -> Path:
    location = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, location,
                    ignore=shutil.ignore_patterns("__pycache__"))
    downs = tuple(sorted(HEADS)) if len(HEADS) > 1 else next(iter(HEADS))
    (location / "versions" / "9999_test_next.py").write_text(
        NEXT_REVISION.format(downs=downs, body=body), encoding="utf-8")
    return location


def test_todays_schema_upgrades_to_a_next_revision_keeping_sales(data_dir: Path,
                                                                 tmp_path: Path) -> None:
    ledger = open_ledger(data_dir)
    with ledger.uow_factory() as uow:
        sale = uow.sales.add(make_sale(1))
        uow.commit()
    ledger.close()
    location = _with_next_revision(
        tmp_path, 'op.add_column("products", sa.Column("note", sa.String(40)))')
    backups: list[Path] = []
    ledger = open_ledger(data_dir, script_location=location, on_backup=backups.append)
    try:
        assert backups == [ledger.backup_path]
        assert ledger.migrated_from == HEADS
        with ledger.read_uow() as uow:
            assert uow.sales.get(sale.sale_id) == sale
            columns = {r[1] for r in uow.connection.exec_driver_sql("PRAGMA table_info(products)")}
        assert "note" in columns
    finally:
        ledger.close()
    assert _stamped(data_dir / DB_FILENAME) == {"9999_test_next"}
    assert _stamped(backups[0]) == HEADS


def test_a_failing_migration_changes_nothing_and_keeps_the_backup(data_dir: Path,
                                                                 tmp_path: Path) -> None:
    ledger = open_ledger(data_dir)
    with ledger.uow_factory() as uow:
        uow.sales.add(make_sale(1))
        uow.commit()
    ledger.close()
    location = _with_next_revision(
        tmp_path, 'op.add_column("products", sa.Column("note", sa.String(40)))\n'
                  '    op.execute("SELECT * FROM no_such_table")')
    with pytest.raises(LedgerError) as caught:
        open_ledger(data_dir, script_location=location)
    assert caught.value.code == "IT-205"
    path = data_dir / DB_FILENAME
    assert _stamped(path) == HEADS
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(products)")}
    conn.close()
    assert "note" not in columns  # the half-done migration rolled back
    assert len(list((data_dir / "backups").glob("pre-migrate-*.sqlite3"))) == 1
