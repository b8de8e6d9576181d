"""Opening the ledger at start-up: check it, back it up, migrate it, hand out units of work.

``open_ledger(data_dir)`` in order:

1. an existing database file must pass ``PRAGMA quick_check``; otherwise ``LedgerError``
   IT-201 ("do not trade") and nothing is changed (we never migrate or back up a damaged
   file over a good backup);
2. if its schema revision is unknown (written by a newer Ireti Till) -> IT-204;
3. if a migration is pending and the file exists, a copy is made with SQLite's backup API
   to ``<data_dir>/backups/pre-migrate-<from-revision>-<UTC>.sqlite3`` (IT-205 if that fails);
4. ``alembic upgrade heads`` in one ``BEGIN IMMEDIATE`` transaction (IT-205 on failure,
   the transaction rolls back and the backup stays).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ireti_till.adapters import custody
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.settings import StoreSettings

log = logging.getLogger(__name__)

DB_FILENAME: Final = "ledger.sqlite3"
BACKUP_DIRNAME: Final = "backups"

DO_NOT_TRADE: Final = (
    "Do not trade on this till: call support. The last good backup is in {backups}."
)


class Ledger:
    """The open ledger: ``engine``, ``path``, ``uow_factory()`` and ``read_uow()``."""

    def __init__(self, path: Path, engine: Engine, migrated_from: frozenset[str] | None,
                 backup_path: Path | None) -> None:
        self.path = path
        self.engine = engine
        self.migrated_from = migrated_from  # revision before this start's migration, if any
        self.backup_path = backup_path  # the pre-migration copy made at this start, if any

    def uow_factory(self) -> SqlUnitOfWork:
        """A new unit of work (``BEGIN IMMEDIATE`` on its first statement)."""
        return SqlUnitOfWork(self.engine)

    def read_uow(self) -> SqlUnitOfWork:
        """A unit of work for reads only (deferred ``BEGIN``: never waits for a writer)."""
        return SqlUnitOfWork(self.engine, read_only=True)

    def seed_catalog_if_empty(self, csv_path: Path, settings: StoreSettings | None = None) -> int:
        """Load ``csv_path`` (the demo catalog) when the catalog is empty; returns rows loaded.

        Rows whose tax code the store does not have are skipped (and logged), so a demo
        catalog never stops a till from starting."""
        from ireti_till.services.catalog_import import import_csv

        with self.read_uow() as uow:
            if uow.catalog.count() > 0:
                return 0
        currency = settings.currency if settings else "EUR"
        codes = {r.code for r in settings.tax_rates} if settings else None
        with csv_path.open(encoding="utf-8-sig", newline="") as stream:
            result = import_csv(self.uow_factory, stream, currency=currency, tax_codes=codes,
                                skip_invalid=True)
        if result.skipped:
            log.warning("demo catalog: %d rows skipped (first: %s)", result.skipped,
                        result.errors[0] if result.errors else "")
        log.info("demo catalog: %d products loaded from %s", result.imported, csv_path)
        return result.imported

    def close(self) -> None:
        self.engine.dispose()


def _stamped_revisions(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return migrate.current_revisions(conn)
    finally:
        conn.close()


def _quick_check(path: Path, backups: Path) -> set[str]:
    """Return the stamped revisions of the existing file at ``path`` after it passes."""
    damaged = LedgerError(
        f"The till's database {path.name} is damaged. " + DO_NOT_TRADE.format(backups=backups),
        code="IT-201",
    )
    try:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if rows != [("ok",)]:
                log.error("quick_check failed on %s: %s", path, rows[:10])
                raise damaged
            return migrate.current_revisions(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if custody.is_disk_full(exc):
            raise custody.disk_full_error(path.parent, "checking the ledger") from exc
        log.error("cannot read %s: %s", path, exc)
        raise damaged from exc
    except UnicodeDecodeError as exc:  # a wrecked page's bytes inside SQLite's report
        log.error("cannot read %s: %s", path, exc)
        raise damaged from exc


def open_ledger(
    data_dir: Path,
    *,
    script_location: Path = migrate.MIGRATIONS_DIR,
    on_backup: Callable[[Path], None] | None = None,
    checked: bool = False,
) -> Ledger:
    """Open (checking, backing up and migrating as needed) the ledger in ``data_dir``.

    ``checked``: this process's pre-flight ran ``quick_check`` on the file moments ago and
    holds the instance lock, so it is not run a second time (it reads the whole file)."""
    path = data_dir / DB_FILENAME
    backups = data_dir / BACKUP_DIRNAME
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise LedgerError(
            f"The data directory {data_dir} cannot be written to. Give this user write "
            "access or start the till with --data-dir pointing to a writable folder.",
            code="IT-202",
        )
    try:
        exists = custody.require_ledger(data_dir)  # IT-220/221/222: never a quiet fresh start
    except OSError as exc:
        raise LedgerError(f"The till's database {path} cannot be read ({exc.strerror}).",
                          code="IT-202") from exc
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise LedgerError(
            f"The till's database {path} is read-only for this user. Give this user write "
            "access to it (and to its folder), or start the till with --data-dir pointing "
            "to a writable folder.", code="IT-202",
        )
    if not exists:
        current: set[str] = set()
    elif checked:
        current = _stamped_revisions(path)
    else:
        current = _quick_check(path, backups)
    known, heads = migrate.script_revisions(script_location)
    if exists and not current - known and current:
        custody.require_schema(path, data_dir)  # a crafted file: sales + alembic_version only
    if current - known:
        raise LedgerError(
            f"The database was written by a newer Ireti Till (schema "
            f"{', '.join(sorted(current - known))}). Install that "
            "version again or newer; do not trade with this one.", code="IT-204",
        )
    backup_path: Path | None = None
    engine = make_engine(path)
    try:
        if current != heads:
            label = "+".join(sorted(current)) or "unversioned"
            if exists:
                try:
                    backup_path = migrate.backup_copy(path, backups, label)
                except (OSError, sqlite3.Error) as exc:
                    raise LedgerError(
                        f"The till could not back up its database before updating it ({exc}); "
                        "nothing was changed. Free some disk space and start again.",
                        code="IT-205",
                    ) from exc
                if on_backup is not None:
                    on_backup(backup_path)
                log.info("backed up %s to %s before migrating", path, backup_path)
            try:
                migrate.upgrade(engine, script_location)
            except SQLAlchemyError as exc:
                raise LedgerError(
                    f"The till could not update its database ({exc.__class__.__name__}); "
                    "nothing was changed and a backup is kept. Call support.", code="IT-205",
                ) from exc
            log.info("ledger %s migrated from %s to %s", path, label, sorted(heads))
    except BaseException:
        engine.dispose()
        raise
    custody.mark_ledger(data_dir)
    custody.secure_ledger(data_dir)
    return Ledger(path, engine, frozenset(current) if backup_path else None, backup_path)
