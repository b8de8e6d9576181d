"""The restore side of backups (the ``RestoreTarget`` port): inspect a candidate file, read
the current ledger's queue, and swap a verified copy in, keeping the current ledger aside.

A candidate must be a complete ledger of *this* till (schema, integrity, till id, audit
chain under this till's key and the head its sidecar recorded) before anything is touched;
the current ledger is kept in ``restore-aside/`` (a consistent copy, or its raw bytes when
it is too damaged to read).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from ireti_till.adapters import custody
from ireti_till.adapters.backup import (
    _OUTBOX_DONE,
    _STAMP,
    ASIDE_DIRNAME,
    SQLITE_MAGIC,
    _count_sales,
    _fsync_dir,
    _fsync_path,
    _is_disk_full,
    copy_database,
    integrity,
    ledger_facts,
)
from ireti_till.adapters.db import migrate
from ireti_till.domain.audit import ChainRow, verify_chain
from ireti_till.domain.errors import OperationsError
from ireti_till.services.backup import (
    AUDIT_MISMATCH,
    BACKUP_FAILED,
    DISK_FULL,
    FOREIGN_TILL,
    INCOMPLETE_LEDGER,
    NEWER_SCHEMA,
    VERIFY_FAILED,
    CandidateInfo,
)

log = logging.getLogger(__name__)


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
        if not self.db_path.exists() or not self.db_path.stat().st_size:
            return None
        try:
            return self._queued()
        except sqlite3.DatabaseError as exc:  # a damaged ledger is what a restore is for
            log.warning("restore: the queue of the current (damaged) ledger cannot be read: "
                        "%s", exc)
            return None

    def _queued(self) -> int | None:
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

    def _set_aside(self, aside: Path) -> None:
        """Keep the current ledger: a consistent copy, or (damaged, unreadable) its raw
        bytes and its -wal, so the evidence and any sale still in it are never lost."""
        try:
            verdict, _ = copy_database(self.db_path, aside)  # consistent, WAL folded in
        except sqlite3.DatabaseError as exc:
            aside.unlink(missing_ok=True)
            log.warning("the current ledger cannot be read (%s): kept byte for byte", exc)
            for extra in ("", "-wal"):
                source = Path(f"{self.db_path}{extra}")
                if source.exists():
                    target = Path(f"{aside}{extra}")
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, custody.FILE_MODE)
                    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                        shutil.copyfileobj(src, out)
                        out.flush()
                        os.fsync(out.fileno())
            return
        if verdict != "ok":
            log.warning("the database set aside before restore failed its check: %s", verdict)
        _fsync_path(aside)

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
                self._set_aside(aside)
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
