"""Migration 0002_staff_audit agrees with models_staff, and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from test_staff_fixtures import migrated_engine

from ireti_till.adapters.db import models_staff
from ireti_till.adapters.db.base import Base

STAFF_TABLES = {t.__tablename__ for t in (models_staff.StaffUser, models_staff.StaffLockout,
                                          models_staff.OverrideRow, models_staff.AuditRow)}


def _ours(diff: object) -> bool:
    text = repr(diff)
    return any(name in text for name in STAFF_TABLES)


def test_models_match_the_migration(data_dir: Path) -> None:
    engine = migrated_engine(data_dir)
    try:
        with engine.connect() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(mc, Base.metadata) if _ours(d)]
            triggers = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        engine.dispose()
    assert diffs == []
    assert {"audit_log_no_update", "audit_log_no_delete"} <= triggers


def test_downgrade_removes_the_staff_tables(data_dir: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from ireti_till.adapters.db.migrate import MIGRATIONS_DIR

    engine = migrated_engine(data_dir)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0002_staff_audit")  # undo what builds on it (merges)
            command.downgrade(config, "0002_staff_audit@-1")
            conn.commit()
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    finally:
        engine.dispose()
    assert not names & (STAFF_TABLES | {"audit_log_no_update"})
    assert "sales" in names
