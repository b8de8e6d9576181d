"""Alert rules and their evaluation (pure: frozen facts in, frozen alerts out).

The service (``services/alerts.py``) gathers ``AlertFacts`` from the ledger, the disk, the
keyring and Stripe; ``evaluate`` turns them into ``Alert`` values. Every alert names its
runbook procedure (``docs/runbook.md#<anchor>``) so whoever sees it knows what to do.

Rules come from ``[alerts]`` in ``config.toml`` (``parse_rules``); every key is optional and
has a sane default (``AlertRules()``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from ireti_till.domain.errors import ConfigError

RUNBOOK: Final = "docs/runbook.md"
RULES_INVALID: Final = "IT-571"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class AlertRules:
    queue_oldest_minutes: int = 15
    capture_before_hours: int = 24
    decline_rate_percent: int = 50
    decline_window_minutes: int = 30
    decline_min_attempts: int = 5
    reader_offline_minutes: int = 5
    backup_max_age_hours: int = 26
    disk_min_free_mb: int = 1024
    clock_skew_seconds: int = 120
    audit_verify: bool = True


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the till knows now; ``None`` means "not measured" (never an alert by itself)."""

    now: datetime
    queue_oldest: datetime | None = None
    queue_pending: int = 0
    nearest_capture_before: datetime | None = None
    uncaptured: int = 0
    attempts_in_window: int = 0
    declines_in_window: int = 0
    reader_offline_since: datetime | None = None
    last_verified_backup: datetime | None = None
    backups_known: bool = True  # False: the backup folder could not be read
    disk_free_bytes: int | None = None
    audit_ok: bool | None = None
    audit_problem: str = ""
    clock_skew_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    key: str  # stable: one per rule (acknowledgements and the back office use it)
    severity: Severity
    title: str
    message: str
    runbook: str  # anchor in docs/runbook.md

    @property
    def link(self) -> str:
        return f"{RUNBOOK}#{self.runbook}"

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "severity": self.severity.value, "title": self.title,
                "message": self.message, "runbook": self.link}


# rule key -> runbook anchor (a test checks every anchor exists in docs/runbook.md)
RUNBOOK_ANCHORS: Final[dict[str, str]] = {
    "queue_stuck": "stuck-queue",
    "capture_due": "failed-capture-before-capture-before",
    "decline_rate": "decline-rate-high",
    "reader_offline": "reader-offline",
    "backup_stale": "no-verified-backup",
    "disk_low": "disk-full",
    "audit_failing": "audit-verify-failing",
    "clock_skew": "clock-skew",
}


def _minutes(delta: timedelta) -> str:
    mins = int(delta.total_seconds() // 60)
    return f"{mins} min" if mins < 120 else f"{mins // 60} h {mins % 60} min"


def _alert(key: str, severity: Severity, title: str, message: str) -> Alert:
    return Alert(key, severity, title, message, RUNBOOK_ANCHORS[key])


def evaluate(rules: AlertRules, f: AlertFacts) -> tuple[Alert, ...]:
    """Every alert the facts raise under ``rules``, most severe first."""
    out: list[Alert] = []
    if f.queue_oldest is not None and f.queue_pending > 0:
        age = f.now - f.queue_oldest
        if age > timedelta(minutes=rules.queue_oldest_minutes):
            out.append(_alert("queue_stuck", Severity.WARNING, "Payment queue is stuck",
                              f"{f.queue_pending} queued payment operations; the oldest has "
                              f"waited {_minutes(age)}."))
    if f.nearest_capture_before is not None and f.uncaptured > 0:
        left = f.nearest_capture_before - f.now
        if left < timedelta(hours=rules.capture_before_hours):
            when = "is past" if left <= timedelta(0) else f"is in {_minutes(left)}"
            out.append(_alert("capture_due", Severity.CRITICAL, "Card payments not captured",
                              f"{f.uncaptured} authorised payments are not captured; the "
                              f"nearest capture deadline {when}. Uncaptured money is lost."))
    if (f.attempts_in_window >= max(rules.decline_min_attempts, 1)
            and f.declines_in_window * 100 > rules.decline_rate_percent * f.attempts_in_window):
        out.append(_alert("decline_rate", Severity.WARNING, "Many card declines",
                          f"{f.declines_in_window} of {f.attempts_in_window} card attempts in "
                          f"the last {rules.decline_window_minutes} min were declined."))
    if f.reader_offline_since is not None:
        gone = f.now - f.reader_offline_since
        if gone > timedelta(minutes=rules.reader_offline_minutes):
            out.append(_alert("reader_offline", Severity.WARNING, "Card reader offline",
                              f"The card reader has been offline for {_minutes(gone)}; cash "
                              "still works."))
    if f.backups_known:
        limit = timedelta(hours=rules.backup_max_age_hours)
        if f.last_verified_backup is None or f.now - f.last_verified_backup > limit:
            seen = ("none found" if f.last_verified_backup is None
                    else f"last {_minutes(f.now - f.last_verified_backup)} ago")
            out.append(_alert("backup_stale", Severity.WARNING, "No recent verified backup",
                              f"No verified backup in {rules.backup_max_age_hours} h ({seen})."))
    if f.disk_free_bytes is not None and f.disk_free_bytes < rules.disk_min_free_mb * 1024**2:
        out.append(_alert("disk_low", Severity.CRITICAL, "Disk almost full",
                          f"{f.disk_free_bytes // 1024**2} MB free on the data disk (alert "
                          f"below {rules.disk_min_free_mb} MB)."))
    if rules.audit_verify and f.audit_ok is False:
        out.append(_alert("audit_failing", Severity.CRITICAL, "Audit trail check failed",
                          f"The audit trail did not verify: {f.audit_problem or 'see the log'}."))
    if f.clock_skew_seconds is not None and abs(f.clock_skew_seconds) > rules.clock_skew_seconds:
        out.append(_alert("clock_skew", Severity.WARNING, "Clock is wrong",
                          f"This PC's clock is {f.clock_skew_seconds:+.0f} s from Stripe's."))
    out.sort(key=lambda a: (a.severity != Severity.CRITICAL, a.key))
    return tuple(out)


def parse_rules(section: Mapping[str, object]) -> AlertRules:
    """``[alerts]`` from config.toml; unknown keys and bad values raise ``ConfigError``."""
    known = {f.name: f for f in fields(AlertRules)}
    values: dict[str, object] = {}
    for name, value in section.items():
        if name not in known:
            raise ConfigError(f"[alerts] {name} is not an alert rule; known rules: "
                              f"{', '.join(sorted(known))}. Fix or delete the line.",
                              code=RULES_INVALID)
        want_bool = name == "audit_verify"
        if want_bool and not isinstance(value, bool):
            raise ConfigError(f"[alerts] {name} must be true or false.", code=RULES_INVALID)
        if not want_bool and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
            raise ConfigError(f"[alerts] {name} must be a whole number of 0 or more (got "
                              f"{value!r}).", code=RULES_INVALID)
        values[name] = value
    if int(str(values.get("decline_rate_percent", 50))) > 100:
        raise ConfigError("[alerts] decline_rate_percent must be 0..100.", code=RULES_INVALID)
    return AlertRules(**values)  # type: ignore[arg-type]
