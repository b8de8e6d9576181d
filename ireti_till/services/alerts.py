"""The alert service: gathers facts, evaluates the rules, remembers what is active.

Wiring (the composition root):

- the worker calls ``AlertService.evaluate()`` every minute (``add_periodic``); it never
  touches Qt; listeners added with ``on_change`` get the frozen tuple of active alerts and
  the keys that are new (the UI forwards them through a signal to the status bar, the
  desktop notification and the alerts panel);
- ``acknowledge(key, actor)`` records ``alert_ack`` in the audit trail (supervisor or admin);
- ``active()`` is what the alerts panel, the back-office outbox and ``doctor`` read;
- ``doctor_lines(service)`` gives doctor its text.

Facts come from the ``HealthProbe`` (queue, captures, disk, backups, reader, Stripe clock),
plus two optional callables: ``card_attempts(since) -> (attempts, declines)`` and
``audit_check() -> (ok, problem)`` (run at most every ``audit_every``: verifying reads the
whole log). A fact that cannot be read is logged and left "not measured", never an alert.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from ireti_till.domain.alerts import Alert, AlertFacts, AlertRules, Severity, evaluate
from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.health import CheckResult, Status
from ireti_till.services.health_facts import HealthProbe

log = logging.getLogger(__name__)

ACK_REFUSED: Final = "IT-572"
AuditRecord = Callable[[str, str, Mapping[str, Any]], object]


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    alert: Alert
    since: datetime
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_name: str = ""  # for the panel (the audit trail keeps the user id)

    def as_dict(self) -> dict[str, str]:
        return {**self.alert.as_dict(), "since": self.since.isoformat(),
                "acknowledged_by": self.acknowledged_by,
                "acknowledged_at": self.acknowledged_at.isoformat()
                if self.acknowledged_at else ""}


Listener = Callable[[tuple[ActiveAlert, ...], frozenset[str]], None]


class AlertService:
    def __init__(
        self,
        probe: HealthProbe,
        clock: Callable[[], datetime],
        rules: AlertRules | None = None,
        *,
        card_attempts: Callable[[datetime], tuple[int, int]] | None = None,
        audit_check: Callable[[], tuple[bool, str]] | None = None,
        audit_record: AuditRecord | None = None,
        audit_every: timedelta = timedelta(minutes=30),
        stripe_probe: bool = True,
    ) -> None:
        self._probe = probe
        self._clock = clock
        self.rules = rules or AlertRules()
        self._card_attempts = card_attempts
        self._audit_check = audit_check
        self._audit_record = audit_record
        self._audit_every = audit_every
        self._stripe_probe = stripe_probe
        self._lock = threading.Lock()
        self._active: dict[str, ActiveAlert] = {}
        self._reader_offline_since: datetime | None = None
        self._audit_last: tuple[datetime, bool, str] | None = None
        self._listeners: list[Listener] = []

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # --- facts -------------------------------------------------------------------------
    def _read(self, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception:  # one unreadable source must not hide the others
            log.warning("alert facts: %s could not be read", name, exc_info=True)
            return None

    def facts(self) -> AlertFacts:
        now = self._clock()
        f = AlertFacts(now=now)
        q = self._read("queue", self._probe.queue)
        if q is not None and q.available:
            f = replace(f, queue_oldest=q.oldest, queue_pending=q.pending,
                        nearest_capture_before=q.nearest_capture_before, uncaptured=q.uncaptured)
        d = self._read("disk", self._probe.disk)
        if d is not None:
            f = replace(f, disk_free_bytes=d.free_bytes)
        b = self._read("backups", self._probe.backups)
        f = replace(f, backups_known=b is not None,
                    last_verified_backup=b.last_verified if b is not None else None)
        r = self._read("reader", self._probe.reader)
        if r is not None and r.configured and r.online is False:
            self._reader_offline_since = self._reader_offline_since or now
        elif r is not None and (not r.configured or r.online):
            self._reader_offline_since = None
        f = replace(f, reader_offline_since=self._reader_offline_since)
        if self._stripe_probe:
            s = self._read("stripe", self._probe.stripe)
            if s is not None and s.server_date is not None and s.local_date is not None:
                f = replace(f, clock_skew_seconds=(s.local_date - s.server_date).total_seconds())
        if self._card_attempts is not None:
            window = now - timedelta(minutes=self.rules.decline_window_minutes)
            got = self._read("card attempts", lambda: self._card_attempts(window)  # type: ignore[misc]
                             )
            if got is not None:
                f = replace(f, attempts_in_window=got[0], declines_in_window=got[1])
        if self._audit_check is not None and self.rules.audit_verify:
            last = self._audit_last
            if last is None or now - last[0] >= self._audit_every:
                got = self._read("audit", self._audit_check)
                if got is not None:
                    self._audit_last = (now, bool(got[0]), str(got[1]))
            if self._audit_last is not None:
                f = replace(f, audit_ok=self._audit_last[1], audit_problem=self._audit_last[2])
        return f

    # --- evaluation --------------------------------------------------------------------
    def evaluate(self) -> tuple[ActiveAlert, ...]:
        """Gather facts, evaluate the rules, tell listeners; returns the active alerts."""
        facts = self.facts()
        raised = evaluate(self.rules, facts)
        with self._lock:
            new = frozenset(a.key for a in raised if a.key not in self._active)
            nxt: dict[str, ActiveAlert] = {}
            for a in raised:
                old = self._active.get(a.key)
                nxt[a.key] = replace(old, alert=a) if old else ActiveAlert(a, facts.now)
            cleared = set(self._active) - set(nxt)
            self._active = nxt
            snapshot = tuple(nxt.values())
        for key in sorted(new):
            log.warning("alert raised: %s: %s", key, nxt[key].alert.message,
                        extra={"alert": key, "runbook": nxt[key].alert.link})
        for key in sorted(cleared):
            log.info("alert cleared: %s", key, extra={"alert": key})
        if new or cleared:
            for listener in list(self._listeners):
                try:
                    listener(snapshot, new)
                except Exception:
                    log.exception("alert listener failed")
        return snapshot

    def active(self) -> tuple[ActiveAlert, ...]:
        """The active alerts, frozen (the panel, doctor and the back-office outbox read it)."""
        with self._lock:
            return tuple(self._active.values())

    def payload(self) -> list[dict[str, str]]:
        """The active alerts as JSON-ready dicts (for the back-office outbox)."""
        return [a.as_dict() for a in self.active()]

    def acknowledge(self, key: str, actor: StaffMember) -> ActiveAlert:
        """A supervisor acknowledges an alert; recorded in the audit trail."""
        if not actor.active or not actor.role.at_least(Role.SUPERVISOR):
            raise AuthorisationError(f"{actor.name} may not acknowledge alerts: ask a "
                                     "supervisor.", code=ACK_REFUSED)
        with self._lock:
            current = self._active.get(key)
            if current is None:
                raise AuthorisationError(f"The alert {key!r} is no longer active; refresh the "
                                         "alerts panel.", code=ACK_REFUSED)
        if self._audit_record is not None:  # outside the lock: it writes the ledger
            self._audit_record("alert_ack", actor.user_id, {
                "alert": key, "title": current.alert.title, "runbook": current.alert.link})
        with self._lock:
            acked = replace(current, acknowledged_by=actor.user_id,
                            acknowledged_at=self._clock(), acknowledged_name=actor.name)
            if key in self._active:
                self._active[key] = acked
        log.info("alert acknowledged: %s by %s", key, actor.user_id)
        return acked


def doctor_lines(service: AlertService) -> list[str]:
    """Lines for ``ireti-till doctor``: one per active alert with its runbook link."""
    alerts = service.evaluate()
    if not alerts:
        return ["alerts: none active"]
    return [f"alert {a.alert.severity.value.upper()}: {a.alert.title}: {a.alert.message} "
            f"(see {a.alert.link}){' [acknowledged]' if a.acknowledged_by else ''}"
            for a in alerts]


def alert_checks(service: AlertService) -> list[CheckResult]:
    """The active alerts as doctor check lines (WARN, or FAIL for critical ones), each with
    its runbook procedure as the fix."""
    out = []
    for a in service.evaluate():
        status = Status.FAIL if a.alert.severity is Severity.CRITICAL else Status.WARN
        out.append(CheckResult(f"alert {a.alert.key}", status, a.alert.message,
                               f"{a.alert.title}: follow {a.alert.link}", "alerts"))
    return out or [CheckResult("alerts", Status.OK, "no alert rule is raised")]
