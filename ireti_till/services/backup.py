"""Backups and restore: the rules (what to keep, when to refuse) over ports.

The adapter (``adapters/backup.py``) does the SQLite work: online backup, integrity check,
atomic rename, moving the current database aside. This module decides:

- rotation: keep the newest backup of each of the last ``daily`` days and of each of the
  last ``weekly`` ISO weeks (plus always the newest); everything else is removed;
- restore: refuse while the till runs (IT-504) or while payment work is queued (IT-505),
  refuse a file that is not a verified till database (IT-503), keep the current database
  aside, and record the restore in the audit trail when one is wired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from ireti_till.domain.errors import OperationsError

log = logging.getLogger(__name__)

BACKUP_FAILED = "IT-501"
DISK_FULL = "IT-502"
NOT_A_DATABASE = "IT-503"
TILL_RUNNING = "IT-504"
WORK_QUEUED = "IT-505"
VERIFY_FAILED = "IT-506"
BAD_RETENTION = "IT-540"
SOURCE_INCOMPLETE = "IT-541"
FOREIGN_TILL = "IT-542"
INCOMPLETE_LEDGER = "IT-543"
AUDIT_MISMATCH = "IT-544"
NEWER_SCHEMA = "IT-545"


@dataclass(frozen=True, slots=True)
class BackupRecord:
    name: str
    path: Path
    created: datetime  # aware UTC
    size: int
    sha256: str
    integrity: str  # "ok" when verified
    sales: int | None

    @property
    def verified(self) -> bool:
        return self.integrity == "ok"


MAX_DAILY = 3660
MAX_WEEKLY = 520


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Keep the newest backup of each of the last ``daily`` days (1..3660) and of each of
    the last ``weekly`` ISO weeks (0..520); anything else is refused (IT-540), not clamped."""

    daily: int = 7
    weekly: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.daily <= MAX_DAILY or not 0 <= self.weekly <= MAX_WEEKLY:
            raise OperationsError(
                f"--keep-daily must be 1..{MAX_DAILY} and --keep-weekly 0..{MAX_WEEKLY} (got "
                f"{self.daily} and {self.weekly}); nothing was backed up or removed.",
                code=BAD_RETENTION)

    @property
    def window(self) -> timedelta:
        """How far back the policy reaches: backups younger than this are never unknown
        leftovers to remove."""
        return max(timedelta(days=self.daily), timedelta(weeks=self.weekly))


@dataclass(frozen=True, slots=True)
class CandidateInfo:
    """What the adapter found in a file offered for restore."""

    ok: bool
    reason: str  # why not, for the person (empty when ok)
    sales: int | None = None
    revision: str | None = None
    code: str = ""  # the refusal's code (IT-54x); IT-503 when empty


@dataclass(frozen=True, slots=True)
class RestoreResult:
    restored_from: Path
    aside: Path | None  # where the previous database was kept
    sales: int | None
    audited: bool


class BackupArchive(Protocol):
    def create(self, when: datetime) -> BackupRecord:
        """Back the live database up now; verified and renamed into place, or raise."""
        ...

    def records(self) -> list[BackupRecord]: ...

    def remove(self, record: BackupRecord) -> None: ...

    def sale_ids(self, record: BackupRecord) -> frozenset[str] | None:
        """The ids of the sales in a backup (None when it cannot be read)."""
        ...


class RestoreTarget(Protocol):
    def inspect(self, candidate: Path) -> CandidateInfo: ...

    def queued_work(self) -> int | None:
        """Unfinished outbox operations in the current database; None without an outbox."""
        ...

    def swap_in(self, candidate: Path, when: datetime) -> Path | None:
        """Keep the current database aside, put a verified copy of ``candidate`` in its place;
        return where the old one went (None when there was none)."""
        ...


class AuditSink(Protocol):
    def __call__(self, kind: str, actor: str, details: Mapping[str, object]) -> None: ...


def choose_kept(records: Iterable[BackupRecord], policy: RetentionPolicy) -> set[str]:
    """Names of the backups to keep under ``policy`` (verified ones only count)."""
    ordered = sorted((r for r in records if r.verified), key=lambda r: r.created, reverse=True)
    keep: set[str] = set()
    if ordered:
        keep.add(ordered[0].name)
        # sales are append-only: the copy with the most sales may hold sales no newer copy
        # has (the ledger lost them); it is never rotated away.
        most = max(ordered, key=lambda r: (r.sales or 0, r.created))
        keep.add(most.name)
    days: set[object] = set()
    weeks: set[object] = set()
    for r in ordered:
        day = r.created.date()
        if day not in days and len(days) < policy.daily:
            days.add(day)
            keep.add(r.name)
        week = r.created.isocalendar()[:2]
        if week not in weeks and len(weeks) < policy.weekly:
            weeks.add(week)
            keep.add(r.name)
    return keep


class BackupService:
    def __init__(
        self,
        archive: BackupArchive,
        clock: Callable[[], datetime],
        policy: RetentionPolicy | None = None,
    ) -> None:
        self._archive = archive
        self._clock = clock
        self._policy = policy or RetentionPolicy()

    def back_up_now(self) -> tuple[BackupRecord, list[BackupRecord]]:
        """Make a verified backup, then rotate; returns (new backup, removed backups).

        Failures raise ``OperationsError`` with a message for the person; the live database
        is never touched by a backup, so trading goes on either way."""
        record = self._archive.create(self._clock())
        removed = self.rotate()
        log.info("backup %s written (%d bytes, %s sales), %d rotated out",
                 record.name, record.size, record.sales, len(removed))
        return record, removed

    def rotate(self) -> list[BackupRecord]:
        """Remove what the policy does not keep, except a copy without its sidecar inside
        the window (brought back from off-site storage, say) and any backup holding a sale
        that no kept backup has: rotation never deletes the last copy of a sale."""
        records = self._archive.records()
        keep = choose_kept(records, self._policy)
        horizon = self._clock() - self._policy.window
        candidates = sorted((r for r in records if r.name not in keep
                             and not (r.integrity == "unverified" and r.created >= horizon)),
                            key=lambda r: r.created, reverse=True)
        covered: set[str] | None = None
        removed: list[BackupRecord] = []
        for r in candidates:
            ids = self._archive.sale_ids(r)
            if ids:
                if covered is None:
                    covered = set()
                    for kept in records:
                        if kept.name in keep:
                            covered |= self._archive.sale_ids(kept) or set()
                if not ids <= covered:
                    log.warning("backup %s kept beyond the policy: it holds %d sale(s) no "
                                "kept backup has", r.name, len(ids - covered))
                    covered |= ids
                    continue
            self._archive.remove(r)
            removed.append(r)
        return removed

    def back_up_if_due(self, every: timedelta = timedelta(hours=24)) -> BackupRecord | None:
        """The scheduled job (the worker calls it hourly): back up when the newest verified
        backup is older than ``every``. Failures are logged, never raised: a backup must
        never disturb trading; ``doctor`` reports a stale backup."""
        last = self.last_verified()
        if last is not None and self._clock() - last.created < every:
            return None
        try:
            record, _removed = self.back_up_now()
        except OperationsError as exc:
            log.error("scheduled backup failed: %s", exc)
            return None
        return record

    def last_verified(self) -> BackupRecord | None:
        good = [r for r in self._archive.records() if r.verified]
        return max(good, key=lambda r: r.created) if good else None


def restore(
    target: RestoreTarget,
    candidate: Path,
    *,
    till_running: bool,
    actor: str,
    clock: Callable[[], datetime],
    audit: AuditSink | None = None,
) -> RestoreResult:
    """Replace the ledger with ``candidate`` after every safety check; see module doc."""
    if till_running:
        raise OperationsError(
            "The till is running on this computer. Close it (sign out and quit), then run "
            "the restore again.", code=TILL_RUNNING,
        )
    info = target.inspect(candidate)
    if not info.ok:
        raise OperationsError(
            f"{candidate.name} cannot be restored: {info.reason}. Nothing was changed; pick a "
            "file from the backups folder.", code=info.code or NOT_A_DATABASE,
        )
    queued = target.queued_work()
    if queued:
        raise OperationsError(
            f"{queued} payment operation(s) are still queued for Stripe (captures, cancels or "
            "refunds). Start the till online and let the queue empty, or resolve them in the "
            "queue panel, before restoring: a restore would forget them.", code=WORK_QUEUED,
        )
    aside = target.swap_in(candidate, clock())
    audited = False
    if audit is not None:
        try:
            audit("restore", actor, {
                "from": candidate.name, "aside": aside.name if aside else None,
                "sales": info.sales, "revision": info.revision,
            })
            audited = True
        except Exception:  # the restore has happened; a missing audit entry is logged loudly
            log.exception("restore done but the audit entry could not be written")
    log.warning("ledger restored from %s by %s; previous database kept at %s",
                candidate, actor, aside)
    return RestoreResult(candidate, aside, info.sales, audited)
