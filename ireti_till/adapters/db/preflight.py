"""Start-up pre-flight of the ledger with the standard library only (no SQLAlchemy, no Alembic).

``preflight(data_dir)`` answers one question cheaply: may the sale screen read the catalog
straight away, through ``fast_read``, while the full SQLAlchemy ledger opens in the
background? It says yes only when nothing at all has to happen to the database first:

- the data folder is writable and the database file exists, is not empty, and this user
  may read and write it;
- ``PRAGMA quick_check`` says ``ok``;
- the revisions stamped in ``alembic_version`` are exactly the head revisions of the
  migration scripts shipped with this build (read from the ``revision`` /
  ``down_revision`` lines of ``migrations/versions/*.py`` by ``migrate.script_revisions``,
  which loads neither Alembic nor SQLAlchemy);
- the ``products`` table has the columns the fast reader selects;
- optionally (a training start, where the demo catalog and demo staff are loaded on the
  first start), the catalog and the staff list are not empty.

Anything else (first start, pending migration, damaged file, unknown schema, permissions)
answers no with a reason, and the caller takes the full path (``ledger.open_ledger``),
which reports the problem to the person at the till or fixes it (migrates, seeds). So the
pre-flight never decides that a database is damaged: it only decides that it is not sure.
``quick_check`` runs inside SQLite with the GIL released, so a helper thread can run the
pre-flight while Qt starts (``start_preflight``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.migrate import current_revisions, script_revisions

log = logging.getLogger(__name__)

DB_FILENAME: Final = "ledger.sqlite3"  # the same name as ledger.DB_FILENAME (tested)
MIGRATIONS_DIR: Final[Path] = migrate.MIGRATIONS_DIR
#: The columns fast_read selects from ``products``.
PRODUCT_COLUMNS: Final = (
    "sku", "gtin", "name", "name_fold", "unit_price_minor", "currency", "tax_code", "active",
)



@dataclass(frozen=True, slots=True)
class Preflight:
    """The verdict: ``ready`` (fast path allowed) or the ``reason`` it is not."""

    ready: bool
    reason: str
    path: Path
    products: int = 0


def head_revisions(script_location: Path = MIGRATIONS_DIR) -> frozenset[str]:
    """The head revision ids of the migration scripts, read from their source text."""
    return frozenset(script_revisions(script_location)[1])


def read_only_uri(path: Path) -> str:
    """A ``file:`` URI opening ``path`` read-only (any folder name, even ``Till #2?``)."""
    return path.resolve().as_uri() + "?mode=ro"


def _stamped(conn: sqlite3.Connection) -> frozenset[str]:
    return frozenset(current_revisions(conn))


def _staff_count(conn: sqlite3.Connection) -> int:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='staff_users'").fetchone()
    return int(conn.execute("SELECT count(*) FROM staff_users").fetchone()[0]) if has_table else 0


def preflight(data_dir: Path, *, need_catalog: bool = False,
              script_location: Path = MIGRATIONS_DIR) -> Preflight:
    """Check the ledger in ``data_dir`` for the fast start (see the module docstring)."""
    path = data_dir / DB_FILENAME

    def no(reason: str) -> Preflight:
        log.info("fast start not possible (%s): opening the full ledger first", reason)
        return Preflight(False, reason, path)

    if not os.access(data_dir, os.W_OK | os.X_OK):
        return no("data folder not writable")
    try:
        if path.stat().st_size == 0:
            return no("database empty")
    except OSError:
        return no("no database yet")
    if not os.access(path, os.R_OK | os.W_OK):
        return no("database not readable and writable")
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        return no(f"cannot open: {exc}")
    try:
        if conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            return no("quick_check failed")
        stamped, heads = _stamped(conn), head_revisions(script_location)
        if stamped != heads:
            return no(f"schema {sorted(stamped)} is not the head {sorted(heads)}")
        columns = {row[1] for row in conn.execute("PRAGMA table_info(products)")}
        if missing := set(PRODUCT_COLUMNS) - columns:
            return no(f"products table lacks {sorted(missing)}")
        products = int(conn.execute("SELECT count(*) FROM products").fetchone()[0])
        if need_catalog and products == 0:
            return no("catalog empty")
        if need_catalog and _staff_count(conn) == 0:
            return no("staff list empty")
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # a wrecked page's bytes in a report
        return no(f"cannot read: {exc}")
    finally:
        conn.close()
    return Preflight(True, "ready", path, products)


class PreflightTask(threading.Thread):
    """``preflight`` on a helper thread (SQLite releases the GIL while it checks the file)."""

    def __init__(self, data_dir: Path, *, need_catalog: bool = False) -> None:
        super().__init__(name="ledger-preflight", daemon=True)
        self._args = (data_dir, need_catalog)
        self._verdict: Preflight | None = None

    def run(self) -> None:
        data_dir, need_catalog = self._args
        try:
            self._verdict = preflight(data_dir, need_catalog=need_catalog)
        except Exception as exc:  # noqa: BLE001 - "not sure": the full path decides
            log.warning("pre-flight failed (%s): opening the full ledger first", exc)
            self._verdict = Preflight(False, f"pre-flight failed: {exc}",
                                      data_dir / DB_FILENAME)

    def result(self) -> Preflight:
        if self.ident is not None:
            self.join()
        else:
            self.run()
        assert self._verdict is not None
        return self._verdict


def start_preflight(data_dir: Path, *, need_catalog: bool = False) -> PreflightTask:
    task = PreflightTask(data_dir, need_catalog=need_catalog)
    task.start()
    return task
