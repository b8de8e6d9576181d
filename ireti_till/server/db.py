"""Engine, migrations and readiness of the back office's PostgreSQL database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from ireti_till.domain.errors import BackofficeError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
ENV_URL = "IRETI_SERVER_DATABASE_URL"


def database_url(configured: str | None = None, from_file: str | None = None) -> str:
    """The URL from the command line, else the environment, else the config file."""
    url = configured or os.environ.get(ENV_URL) or from_file
    if not url:
        raise BackofficeError(
            f"No database for the back office: set {ENV_URL} (e.g. "
            "postgresql+psycopg://ireti@127.0.0.1:5432/ireti) or pass --database-url.",
            code="IT-713")
    if not url.startswith("postgresql"):
        raise BackofficeError("The back office runs on PostgreSQL only: the database URL must "
                              "start with postgresql+psycopg://", code="IT-713")
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=20,
                         pool_timeout=5, connect_args={"connect_timeout": 3})


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def migrate(engine: Engine) -> None:
    cfg = _config()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(770001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("back-office database at %s", head())


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def readiness(engine: Engine) -> tuple[bool, str]:
    """(ready, reason): the database answers and its schema is at head."""
    try:
        rev = current(engine)
    except SQLAlchemyError as exc:
        return False, f"database unreachable ({type(exc).__name__})"
    if rev != head():
        return False, f"database schema at {rev}, not {head()}: run 'ireti-till server migrate'"
    return True, "ok"
