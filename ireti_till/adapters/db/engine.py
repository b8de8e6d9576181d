"""The SQLAlchemy engine for the ledger file, with the DESIGN §4 settings on every connection.

- The file and its ``-wal``/``-shm`` are made 0600 at every connection (whatever the umask).
- ``journal_mode=WAL``, ``synchronous=FULL`` (a sale must survive a power cut),
  ``foreign_keys=ON``, ``busy_timeout=5000``, ``trusted_schema=OFF``.
- The ``sqlite3`` driver's own transaction handling is switched off (``isolation_level =
  None``) and SQLAlchemy's ``begin`` event emits ``BEGIN IMMEDIATE`` itself, so a write
  transaction takes the write lock at its start and never fails half-way with
  ``SQLITE_BUSY`` when it upgrades from reading to writing. A connection opened with the
  execution option ``ledger_read_only=True`` begins with a plain (deferred) ``BEGIN``
  instead, for reads that must not wait for a writer (WAL lets them run side by side).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any, Final

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import Connection

#: Applied to every new DBAPI connection, in this order.
PRAGMAS: Final[tuple[tuple[str, str], ...]] = (
    ("busy_timeout", "5000"),
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
    ("trusted_schema", "OFF"),
)

READ_ONLY_OPTION: Final = "ledger_read_only"


def apply_pragmas(dbapi_connection: sqlite3.Connection) -> None:
    """Set the ledger pragmas on a raw ``sqlite3`` connection (also used by tools/tests)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for name, value in PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
    finally:
        cursor.close()


def _private(path: Path) -> None:
    """0600 on the ledger and its -wal/-shm (SQLite gives those the database file's mode)."""
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(OSError):
            st = os.lstat(name)
            if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                Path(name).chmod(0o600)


def _on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(path: Path, *, echo: bool = False) -> Engine:
    """An engine on the SQLite file at ``path`` (created on first write)."""
    # A URL object, not a string: a folder named "Till #2?" must not be parsed as a URL.
    engine = create_engine(
        URL.create("sqlite+pysqlite", database=str(path)),
        echo=echo,
        connect_args={"timeout": 5.0, "check_same_thread": False},
        pool_size=4,
        max_overflow=4,
    )
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        apply_pragmas(dbapi_connection)
        _private(path)

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
