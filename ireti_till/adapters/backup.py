"""SQLite side of backups and restore (``BackupArchive`` and ``RestoreTarget`` ports).

A backup is made with ``sqlite3.Connection.backup`` from the live file (safe while the till
writes: WAL readers see a consistent snapshot), into ``<name>.partial`` in the backups
folder, switched to a single-file journal, checked with ``PRAGMA integrity_check``, fsynced
and renamed atomically to ``ireti-till-<UTC>.sqlite3``; a JSON sidecar records its size,
SHA-256, integrity verdict and sale count (``doctor`` reads it for "last verified backup").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from ireti_till.adapters import custody
from ireti_till.domain.errors import LedgerError, OperationsError
from ireti_till.services.backup import (
    BACKUP_FAILED,
    DISK_FULL,
    SOURCE_INCOMPLETE,
    VERIFY_FAILED,
    BackupRecord,
)

log = logging.getLogger(__name__)

PREFIX: Final = "ireti-till-"
SUFFIX: Final = ".sqlite3"
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
ASIDE_DIRNAME: Final = "restore-aside"
_STAMP: Final = "%Y%m%dT%H%M%S%fZ"
# Finished or abandoned outbox states; anything else is work that a restore would forget.
_OUTBOX_DONE: Final = ("done", "resolved")


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    src.backup(dst, pages=4096)


def _fsync_path(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_disk_full(exc: BaseException) -> bool:
    return custody.is_disk_full(exc)


def _count_sales(conn: sqlite3.Connection) -> int | None:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sales'").fetchone():
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])
    return None


def integrity(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


def copy_database(source: Path, dest: Path) -> tuple[str, int | None]:
    """Online-copy ``source`` to ``dest`` (a fresh path) and check it; returns (verdict, sales).

    ``dest`` ends up as one self-contained file (journal_mode=DELETE), mode 0600.
    The verdict is "ok" only for a complete ledger: integrity ok *and* every table a ledger
    has (an emptied or crafted file is "incomplete: ...", never a good copy)."""
    verdict, sales, _facts = copy_ledger(source, dest)
    return verdict, sales


def ledger_facts(conn: sqlite3.Connection) -> dict[str, object]:
    """What a sidecar records about a ledger copy: revisions, till ids and the audit head."""
    tables = custody.table_names(conn)
    facts: dict[str, object] = {"revisions": sorted(
        r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
        if "alembic_version" in tables else []}
    till_ids: set[str] = set()
    for table in ("sales", "receipt_counters"):
        if table in tables:
            till_ids |= {str(r[0]) for r in conn.execute(
                f"SELECT DISTINCT till_id FROM {table}")}  # noqa: S608 - fixed names
    facts["till_ids"] = sorted(till_ids)
    if "audit_log" in tables:
        row = conn.execute("SELECT seq, link FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        facts["audit_head"] = [int(row[0]), str(row[1])] if row else None
    return facts


def copy_ledger(source: Path, dest: Path) -> tuple[str, int | None, dict[str, object]]:
    """``copy_database`` that also returns the copy's ``ledger_facts``."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, custody.FILE_MODE)
        os.close(fd)
        custody.secure_file(dest)
        dst = sqlite3.connect(dest)
        try:
            _copy_pages(src, dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            verdict = integrity(dst)
            sales = _count_sales(dst)
            missing = custody.missing_tables(dst)
            if verdict == "ok" and missing:
                verdict = f"incomplete: no {', '.join(sorted(missing))} table(s)"
            facts = ledger_facts(dst) if verdict == "ok" else {}
        finally:
            dst.close()
    finally:
        src.close()
    return verdict, sales, facts


class SqliteBackupArchive:
    """Backups of ``db_path`` kept in ``backup_dir``."""

    def __init__(self, db_path: Path, backup_dir: Path) -> None:
        self.db_path = db_path
        self.backup_dir = backup_dir

    def create(self, when: datetime) -> BackupRecord:
        data_dir = self.db_path.parent
        try:
            custody.require_ledger(data_dir)
        except LedgerError as exc:
            raise OperationsError(
                f"No backup was made and no old backup was removed: {exc.message}",
                code=SOURCE_INCOMPLETE) from exc
        if not self.db_path.exists():
            raise OperationsError(
                f"There is no database at {self.db_path} to back up yet.", code=BACKUP_FAILED
            )
        name = f"{PREFIX}{when.astimezone(UTC).strftime(_STAMP)}{SUFFIX}"
        final = self.backup_dir / name
        partial = final.with_name(name + ".partial")
        try:
            custody.make_private_dir(self.backup_dir)
            partial.unlink(missing_ok=True)
            verdict, sales, facts = copy_ledger(self.db_path, partial)
            if verdict.startswith("incomplete"):
                raise OperationsError(
                    f"The live ledger {self.db_path} is not a complete ledger ({verdict}); no "
                    "backup was made and no old backup was removed. Do not trade: run "
                    "`ireti-till doctor` and call support.", code=SOURCE_INCOMPLETE)
            if verdict != "ok":
                raise OperationsError(
                    f"The backup copy failed its integrity check ({verdict}); it was not kept. "
                    "Run `ireti-till doctor` to check the live database.", code=VERIFY_FAILED,
                )
            _fsync_path(partial)
            record = BackupRecord(name, final, when.astimezone(UTC), partial.stat().st_size,
                                  sha256_of(partial), verdict, sales)
            anchor = custody.FileAnchor(data_dir).load()
            facts["anchor"] = list(anchor) if anchor else None
            self._write_sidecar(record, facts)
            partial.replace(final)
            _fsync_dir(self.backup_dir)
        except OperationsError:
            partial.unlink(missing_ok=True)
            final.with_name(name + ".json").unlink(missing_ok=True)
            raise
        except (OSError, sqlite3.Error) as exc:
            partial.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            final.with_name(name + ".json").unlink(missing_ok=True)
            if _is_disk_full(exc):
                raise OperationsError(
                    f"The disk holding {self.backup_dir} is full: no backup was made and no "
                    "old backup was removed. Free some space (old exports, downloads) and back "
                    "up again; the till keeps trading and its ledger is not damaged.",
                    code=DISK_FULL,
                ) from exc
            raise OperationsError(
                f"The backup could not be written to {self.backup_dir} ({exc}). The till keeps "
                "trading; check the folder's permissions and space, then back up again.",
                code=BACKUP_FAILED,
            ) from exc
        return record

    def _write_sidecar(self, record: BackupRecord, facts: dict[str, object]) -> None:
        sidecar = record.path.with_name(record.name + ".json")
        custody.write_private_json(sidecar, {
            "name": record.name, "created": record.created.isoformat(), "size": record.size,
            "sha256": record.sha256, "integrity": record.integrity, "sales": record.sales,
            **facts,
        })

    def records(self) -> list[BackupRecord]:
        out: list[BackupRecord] = []
        if not self.backup_dir.is_dir():
            return out
        for path in sorted(self.backup_dir.glob(f"{PREFIX}*{SUFFIX}")):
            try:
                created = datetime.strptime(
                    path.name[len(PREFIX):-len(SUFFIX)], _STAMP).replace(tzinfo=UTC)
            except ValueError:
                continue  # not one of ours
            meta: dict[str, object] = {}
            with contextlib.suppress(OSError, ValueError):
                meta = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
            sales = meta.get("sales")
            out.append(BackupRecord(
                path.name, path, created, path.stat().st_size, str(meta.get("sha256", "")),
                str(meta.get("integrity", "unverified")),
                sales if isinstance(sales, int) else None,
            ))
        return out

    def sale_ids(self, record: BackupRecord) -> frozenset[str] | None:
        try:
            conn = sqlite3.connect(f"file:{record.path}?mode=ro", uri=True, timeout=5)
            try:
                return frozenset(str(r[0]) for r in conn.execute("SELECT id FROM sales"))
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def remove(self, record: BackupRecord) -> None:
        record.path.unlink(missing_ok=True)
        record.path.with_name(record.name + ".json").unlink(missing_ok=True)
