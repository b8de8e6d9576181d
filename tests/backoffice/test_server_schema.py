"""The server's schema module and its Alembic migrations describe the same database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from ireti_till.server import db
from ireti_till.server.schema import metadata


def test_schema_and_migrations_agree(server_engine: Engine) -> None:
    with server_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], diff
    assert db.current(server_engine) == db.head()


def test_downgrade_and_upgrade_again(server_engine: Engine) -> None:
    from alembic import command

    cfg = db._config()
    with server_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with server_engine.connect() as conn:
        tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname='public' "
                                   "AND tablename <> 'alembic_version'")).scalar_one()
    assert tables == 0
    db.migrate(server_engine)
    assert db.readiness(server_engine) == (True, "ok")
