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
from ireti_till.adapters.db import migrate
from ireti_till.domain.audit import ChainRow, verify_chain
from ireti_till.domain.errors import LedgerError, OperationsError
from ireti_till.services.backup import (
    AUDIT_MISMATCH,
    BACKUP_FAILED,
    DISK_FULL,
    FOREIGN_TILL,
    INCOMPLETE_LEDGER,
    NEWER_SCHEMA,
    SOURCE_INCOMPLETE,
    VERIFY_FAILED,
    BackupRecord,
    CandidateInfo,
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

    def remove(self, record: BackupRecord) -> None:
        record.path.unlink(missing_ok=True)
        record.path.with_name(record.name + ".json").unlink(missing_ok=True)


class SqliteRestoreTarget:
    """Restores into the live ledger file ``db_path`` (the till must not be running).

    ``till_ids``: the till ids this till uses (config and the live ledger's sales); a
    candidate with sales of another till is refused. ``audit_key``: when given, the
    candidate's audit chain must verify with it (another till's or a tampered file does
    not)."""

    def __init__(self, db_path: Path, *, till_ids: frozenset[str] = frozenset(),
                 audit_key: bytes | None = None) -> None:
        self.db_path = db_path
        self.aside_dir = db_path.parent / ASIDE_DIRNAME
        self.till_ids = till_ids
        self.audit_key = audit_key

    def inspect(self, candidate: Path) -> CandidateInfo:
        try:
            with candidate.open("rb") as handle:
                header = handle.read(len(SQLITE_MAGIC))
        except OSError as exc:
            return CandidateInfo(False, f"the file cannot be read ({exc.strerror or exc})")
        if header != SQLITE_MAGIC:
            return CandidateInfo(False, "it is not an SQLite database (wrong file header)")
        try:
            conn = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
            try:
                return self._inspect_ledger(conn, candidate)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return CandidateInfo(False, f"it cannot be opened as a database ({exc})")

    def _inspect_ledger(self, conn: sqlite3.Connection, candidate: Path) -> CandidateInfo:
        verdict = integrity(conn)
        if verdict != "ok":
            return CandidateInfo(False, f"it is damaged (integrity check: {verdict})")
        tables = custody.table_names(conn)
        if "sales" not in tables or "alembic_version" not in tables:
            return CandidateInfo(False, "it is a database, but not an Ireti Till ledger")
        revisions = {str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")}
        known, _heads = migrate.script_revisions()
        if revisions - known:
            return CandidateInfo(False, f"it was written by a newer Ireti Till (schema "
                                 f"{', '.join(sorted(revisions - known))})", code=NEWER_SCHEMA)
        missing = custody.missing_tables(conn)
        if missing:
            return CandidateInfo(False, "it is not a complete ledger (no "
                                 f"{', '.join(sorted(missing))} table)", code=INCOMPLETE_LEDGER)
        facts = ledger_facts(conn)
        ids = facts.get("till_ids")
        foreign = sorted(set(ids) - self.till_ids) if isinstance(ids, list) else []
        if foreign and self.till_ids:
            return CandidateInfo(False, f"it is another till's ledger (till {', '.join(foreign)}"
                                 f", this till is {', '.join(sorted(self.till_ids))})",
                                 code=FOREIGN_TILL)
        problem = self._audit_problem(conn, candidate, facts.get("audit_head"))
        if problem:
            return CandidateInfo(False, problem, code=AUDIT_MISMATCH)
        return CandidateInfo(True, "", _count_sales(conn), ",".join(sorted(revisions)) or None)

    def _audit_problem(self, conn: sqlite3.Connection, candidate: Path,
                       head: object) -> str:
        sidecar: dict[str, object] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(candidate.with_name(candidate.name + ".json").read_text("utf-8"))
            sidecar = loaded if isinstance(loaded, dict) else {}
        recorded = sidecar.get("audit_head")
        if isinstance(recorded, list) and recorded != head:
            return ("its audit trail does not end where its sidecar says "
                    f"(entry {recorded[0] if recorded else '?'})")
        if self.audit_key is None:
            return ""
        rows = (ChainRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]))
                for r in conn.execute(
                    "SELECT seq, at, kind, actor, details, link FROM audit_log ORDER BY seq"))
        result = verify_chain(self.audit_key, rows)
        if not result.ok:
            return (f"its audit trail does not verify with this till's audit key (entry "
                    f"{result.broken_seq}: another till's ledger, or a changed file)")
        return ""

    def queued_work(self) -> int | None:
        if not self.db_path.exists():
            return None
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' "
                                "AND name='payment_outbox'").fetchone():
                return None
            marks = ",".join("?" for _ in _OUTBOX_DONE)
            row = conn.execute(
                f"SELECT count(*) FROM payment_outbox WHERE state NOT IN ({marks})",  # noqa: S608
                _OUTBOX_DONE,
            ).fetchone()
            return int(row[0])
        finally:
            conn.close()

    def swap_in(self, candidate: Path, when: datetime) -> Path | None:
        stamp = when.astimezone(UTC).strftime(_STAMP)
        incoming = self.db_path.with_name(self.db_path.name + ".restoring")
        aside: Path | None = None
        try:
            verdict, _sales = copy_database(candidate, incoming)
            if verdict != "ok":
                raise OperationsError(f"The copy of {candidate.name} failed its check "
                                      f"({verdict}); nothing was changed.", code=VERIFY_FAILED)
            _fsync_path(incoming)
            if self.db_path.exists():
                custody.make_private_dir(self.aside_dir)
                aside = self.aside_dir / f"ledger-before-restore-{stamp}.sqlite3"
                verdict, _ = copy_database(self.db_path, aside)  # consistent, WAL folded in
                if verdict != "ok":
                    log.warning("the database set aside before restore failed its check: %s",
                                verdict)
                _fsync_path(aside)
            for extra in ("-wal", "-shm", "-journal"):
                Path(str(self.db_path) + extra).unlink(missing_ok=True)
            incoming.replace(self.db_path)
            _fsync_dir(self.db_path.parent)
        except (OSError, sqlite3.Error) as exc:
            incoming.unlink(missing_ok=True)
            code = DISK_FULL if _is_disk_full(exc) else BACKUP_FAILED
            raise OperationsError(
                f"The restore could not be completed ({exc}); the current database was not "
                "replaced.", code=code) from exc
        return aside
