"""The health check behind ``ireti-till doctor`` and the Help menu's "Till health" view.

Each check reads facts from a ``HealthProbe`` (the adapter does the I/O) and turns them into
OK / WARN / FAIL with one line saying what to do and the troubleshooting entry that explains
it (``docs/troubleshooting.md#<anchor>``). A probe that raises makes its own check FAIL with
the reason; it never stops the other checks. Exit code: 0 all OK, 1 a WARN, 2 a FAIL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from ireti_till.services.health_facts import (
    BackupFacts,
    DatabaseFacts,
    DiskFacts,
    HealthProbe,
    KeyringFacts,
    LogFacts,
    QueueFacts,
    ReaderFacts,
    StripeFacts,
)

__all__ = [
    "BackupFacts", "CheckResult", "DatabaseFacts", "DiskFacts", "HealthProbe", "HealthReport",
    "HealthService", "KeyringFacts", "LogFacts", "QueueFacts", "ReaderFacts", "Status",
    "StripeFacts", "Thresholds", "render_text",
]

log = logging.getLogger(__name__)
GUIDE = "docs/troubleshooting.md"


class Status(IntEnum):
    OK = 0
    WARN = 1
    FAIL = 2


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: Status
    summary: str  # what was found
    fix: str = ""  # one line: what to do (empty when OK)
    anchor: str = ""  # troubleshooting entry

    @property
    def guide(self) -> str:
        return f"{GUIDE}#{self.anchor}" if self.anchor else ""

    def as_dict(self) -> dict[str, str]:
        return {"check": self.name, "status": self.status.name, "summary": self.summary,
                "fix": self.fix, "guide": self.guide}


@dataclass(frozen=True, slots=True)
class HealthReport:
    checks: tuple[CheckResult, ...]
    at: datetime

    @property
    def status(self) -> Status:
        return max((c.status for c in self.checks), default=Status.OK)

    @property
    def exit_code(self) -> int:
        return int(self.status)

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status.name, "exit_code": self.exit_code,
                "at": self.at.isoformat(), "checks": [c.as_dict() for c in self.checks]}


@dataclass(frozen=True, slots=True)
class Thresholds:
    disk_warn_bytes: int = 2 * 1024**3
    disk_fail_bytes: int = 300 * 1024**2
    skew_warn: timedelta = timedelta(seconds=30)
    skew_fail: timedelta = timedelta(minutes=5)
    queue_warn_age: timedelta = timedelta(hours=1)
    queue_fail_age: timedelta = timedelta(hours=20)  # idempotency keys expire after ~24 h
    capture_warn: timedelta = timedelta(hours=24)
    capture_fail: timedelta = timedelta(hours=6)
    backup_warn_age: timedelta = timedelta(hours=36)
    backup_fail_age: timedelta = timedelta(days=7)
    extra: Mapping[str, str] = field(default_factory=dict)


def _age(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def check_permissions(f: DatabaseFacts) -> CheckResult:
    if not f.loose:
        return CheckResult("permissions", Status.OK, "data files 0600, folders 0700")
    more = f" and {len(f.loose) - 3} more" if len(f.loose) > 3 else ""
    return CheckResult("permissions", Status.WARN,
                       f"readable by other users: {', '.join(f.loose[:3])}{more} (IT-226)",
                       "start the till or run `ireti-till backup` (they tighten the modes), "
                       "or chmod 600 the files and 700 the folders", "it-226")


def check_database(f: DatabaseFacts) -> CheckResult:
    a = "database"
    if f.custody:
        return CheckResult("database", Status.FAIL, f.custody,
                           "do not trade; restore the last verified backup", "it-220")
    if f.disk_full:
        return CheckResult("database", Status.FAIL,
                           "the disk is full: the ledger could not be checked (IT-223; it is "
                           "not damaged)", "free disk space now; do not restore a backup",
                           "it-223")
    if not f.exists:
        return CheckResult("database", Status.WARN, "no ledger yet (created at first start)",
                           "start the till once to create it", a)
    if f.integrity != "ok":
        return CheckResult("database", Status.FAIL,
                           f"integrity check failed (IT-201): {f.integrity[:200]}",
                           "stop trading; restore the last verified backup", a)
    unknown = f.revisions - f.known
    if unknown:
        return CheckResult("database", Status.FAIL,
                           f"schema {sorted(unknown)} is newer than this version (IT-204)",
                           "install the newer Ireti Till again", "schema-version")
    if f.revisions != f.heads:
        return CheckResult("database", Status.WARN,
                           f"schema {sorted(f.revisions) or 'empty'}, this version expects "
                           f"{sorted(f.heads)}",
                           "start the till: it backs up and migrates at start", "schema-version")
    return CheckResult("database", Status.OK, f"integrity ok, schema {sorted(f.revisions)}")


def check_keyring(f: KeyringFacts, mode: str) -> CheckResult:
    if f.usable:
        return CheckResult("keyring", Status.OK, f"usable ({f.backend})")
    status = Status.WARN if mode == "training" else Status.FAIL
    return CheckResult("keyring", status, f"not usable ({f.backend}): {f.error}",
                       "install/unlock the OS keyring (Secret Service, Keychain, "
                       "Credential Manager)", "keyring")


def check_stripe(f: StripeFacts) -> CheckResult:
    if f.mode == "training":
        return CheckResult("stripe", Status.OK,
                           "training mode: the built-in Stripe emulator (no real payments)")
    if f.key_mode is None:
        return CheckResult("stripe", Status.WARN, f"mode {f.mode} but no key in the keyring: "
                           "the till runs in training mode", "add the key in Admin > Stripe",
                           "stripe-key")
    if f.key_mode != f.mode:
        return CheckResult("stripe", Status.FAIL,
                           f"mode {f.mode} but the key is a {f.key_mode} key",
                           "store the right key for this mode", "stripe-key")
    if not f.reachable:
        return CheckResult("stripe", Status.FAIL, f"Stripe not reachable ({f.mode}): {f.error}",
                           "check the network/proxy; cash keeps working", "stripe-unreachable")
    return CheckResult("stripe", Status.OK, f"reachable, {f.mode} key")


def check_clock(f: StripeFacts, t: Thresholds) -> CheckResult:
    if f.mode == "training" or f.server_date is None or f.local_date is None:
        why = "training mode" if f.mode == "training" else "no answer from Stripe"
        return CheckResult("clock", Status.OK if f.mode == "training" else Status.WARN,
                           f"skew not measured ({why})", "" if f.mode == "training" else
                           "fix Stripe reachability first", "" if f.mode == "training" else
                           "clock-skew")
    skew = f.local_date - f.server_date
    text = f"local clock {skew.total_seconds():+.0f} s from Stripe's"
    if abs(skew) > t.skew_fail:
        return CheckResult("clock", Status.FAIL, text, "turn on automatic time sync (NTP)",
                           "clock-skew")
    if abs(skew) > t.skew_warn:
        return CheckResult("clock", Status.WARN, text, "turn on automatic time sync (NTP)",
                           "clock-skew")
    return CheckResult("clock", Status.OK, text)


def check_reader(f: ReaderFacts, mode: str) -> CheckResult:
    if not f.configured:
        return CheckResult("reader", Status.WARN, "not configured (cash only)",
                           "register a reader in Staff > Card reader…", "reader")
    if f.online is None:
        return CheckResult("reader", Status.WARN, f"{f.reader_id}: status unknown ({f.error})",
                           "fix Stripe reachability first", "reader")
    if not f.online:
        return CheckResult("reader", Status.FAIL, f"{f.label or f.reader_id} is offline",
                           "power the reader and check its network", "reader")
    return CheckResult("reader", Status.OK, f"{f.label or f.reader_id} online")


def check_queue(f: QueueFacts, now: datetime, t: Thresholds) -> list[CheckResult]:
    if not f.available:
        return [CheckResult("queue", Status.OK, "no payment queue in this ledger yet")]
    out: list[CheckResult] = []
    if f.pending == 0:
        out.append(CheckResult("queue", Status.OK, "no queued payment operations"))
    else:
        age = (now - f.oldest) if f.oldest else timedelta(0)
        text = f"{f.pending} queued, oldest {_age(now, f.oldest) if f.oldest else '?'}"
        status = (Status.FAIL if age > t.queue_fail_age else
                  Status.WARN if age > t.queue_warn_age else Status.OK)
        out.append(CheckResult("queue", status, text, "" if status == Status.OK else
                               "bring the till online; see the queue panel", "queue"))
    if f.needs_attention:
        out.append(CheckResult("queue-attention", Status.WARN,
                               f"{f.needs_attention} operation(s) need a supervisor",
                               "open the queue panel: reconcile or resolve", "queue"))
    if f.nearest_capture_before is None:
        out.append(CheckResult("capture-deadline", Status.OK, "no uncaptured card payments"))
    else:
        left = f.nearest_capture_before - now
        due = _age(f.nearest_capture_before, now)
        text = f"{f.uncaptured} uncaptured, nearest deadline in {due}"
        if left <= timedelta(0):
            text = f"{f.uncaptured} uncaptured, a capture deadline has passed"
        status = (Status.FAIL if left < t.capture_fail else
                  Status.WARN if left < t.capture_warn else Status.OK)
        out.append(CheckResult("capture-deadline", status, text, "" if status == Status.OK else
                               "bring the till online now so captures are sent",
                               "capture-deadline"))
    return out


def check_disk(f: DiskFacts, t: Thresholds) -> CheckResult:
    free_mb = f.free_bytes // (1024 * 1024)
    text = f"{free_mb} MB free on {f.path}"
    if f.free_bytes < t.disk_fail_bytes:
        return CheckResult("disk", Status.FAIL, text, "free disk space now", "disk-space")
    if f.free_bytes < t.disk_warn_bytes:
        return CheckResult("disk", Status.WARN, text, "free disk space soon", "disk-space")
    return CheckResult("disk", Status.OK, text)


def check_backup(f: BackupFacts, now: datetime, t: Thresholds) -> CheckResult:
    if f.last_verified is None:
        return CheckResult("backup", Status.WARN, "no verified backup yet",
                           "run `ireti-till backup`", "backup")
    age = now - f.last_verified
    text = f"last verified backup {_age(now, f.last_verified)} ago ({f.name})"
    if age > t.backup_fail_age:
        return CheckResult("backup", Status.FAIL, text, "run `ireti-till backup` and check "
                           "the schedule", "backup")
    if age > t.backup_warn_age:
        return CheckResult("backup", Status.WARN, text, "run `ireti-till backup`", "backup")
    return CheckResult("backup", Status.OK, text)


def check_logs(f: LogFacts) -> CheckResult:
    if f.writable:
        return CheckResult("logs", Status.OK, f"writable: {f.directory}")
    return CheckResult("logs", Status.WARN, f"cannot write {f.directory}: {f.error}",
                       "fix the folder's permissions or free space",
                       "it-510-log-directory-not-writable")


class HealthService:
    def __init__(self, probe: HealthProbe, clock: Callable[[], datetime],
                 thresholds: Thresholds | None = None) -> None:
        self._probe = probe
        self._clock = clock
        self._t = thresholds or Thresholds()

    def run(self, progress: Callable[[str], None] | None = None,
            only: Collection[str] | None = None) -> HealthReport:
        """Run every check (or the steps named in ``only``: database, stripe, keyring,
        reader, queue, disk, backup, logs; the metrics panel asks for the cheap ones)."""
        now = self._clock()
        p, t = self._probe, self._t
        stripe_facts: list[StripeFacts] = []

        def stripe() -> list[CheckResult]:
            facts = p.stripe()
            stripe_facts.append(facts)
            return [check_stripe(facts), check_clock(facts, t)]

        def database(facts: DatabaseFacts) -> list[CheckResult]:
            return [check_database(facts), check_permissions(facts)]

        def mode() -> str:
            return stripe_facts[0].mode if stripe_facts else "training"

        steps: list[tuple[str, Callable[[], list[CheckResult]]]] = [
            ("database", lambda: database(p.database())),
            ("stripe", stripe),
            ("keyring", lambda: [check_keyring(p.keyring(), mode())]),
            ("reader", lambda: [check_reader(p.reader(), mode())]),
            ("queue", lambda: check_queue(p.queue(), now, t)),
            ("disk", lambda: [check_disk(p.disk(), t)]),
            ("backup", lambda: [check_backup(p.backups(), now, t)]),
            ("logs", lambda: [check_logs(p.logs())]),
        ]
        results: list[CheckResult] = []
        for name, step in steps:
            if only is not None and name not in only:
                continue
            if progress is not None:
                progress(name)
            try:
                results.extend(step())
            except Exception as exc:  # one broken probe must not hide the others
                log.exception("health check %s could not run", name)
                results.append(CheckResult(name, Status.FAIL,
                                           f"check could not run: {type(exc).__name__}: {exc}",
                                           "see the log; run doctor again", name))
        return HealthReport(tuple(results), now)


def render_text(report: HealthReport) -> str:
    lines = [f"{c.status.name:<4}  {c.name:<17} {c.summary}" + (
        f"\n      fix: {c.fix} (see {c.guide})" if c.fix else "") for c in report.checks]
    lines.append(f"overall: {report.status.name} (exit {report.exit_code})")
    return "\n".join(lines)
