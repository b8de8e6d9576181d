"""Sending the till's active alerts to the back office (issue 16).

``follow(source)`` gives the outbox where the active alerts come from (``AlertService.payload``
in the running till); ``run_once()`` is the worker job (every ``every_s``). Each run reads the
alerts (an in-memory read); when they differ from the last set, the set gets a new revision
(milliseconds since 1970, or one above the last: a restored till still moves forward) and is
kept in the ledger's ``bo_state`` before anything is sent. The set is sent when it is new, or
again after ``resend_s`` (so the server's copy heals after a restart of either side). Offline,
the set stays pending and the next run sends the newest one; a set that was never sent is
simply replaced by a newer one (the server keeps only the newest anyway).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ireti_till.domain.errors import BackofficeError
from ireti_till.services.backoffice_ports import BackofficeApi, FeedStore
from ireti_till.services.ports import Clock

log = logging.getLogger(__name__)
STATE = "alerts_outbox"  # bo_state: {"revision": n, "alerts": [...], "sent": n}
Payload = list[dict[str, str]]
#: the server's limits (server/alerts.py): longer text is cut here, so one long message can
#: never get the whole set refused (IT-740) on every try
LIMITS = {"key": 40, "title": 120, "message": 500, "runbook": 200, "acknowledged_by": 64}
MAX_ALERTS = 50


def fit(alerts: Payload) -> Payload:
    """``alerts`` within the server's limits (critical ones first when over the count)."""
    ordered = sorted(alerts, key=lambda a: a.get("severity") != "critical")[:MAX_ALERTS]
    return [{k: (v[:LIMITS[k]] if k in LIMITS else v) for k, v in a.items()} for a in ordered]


@dataclass(frozen=True, slots=True)
class AlertsRun:
    sent: bool = False
    revision: int = 0
    alerts: int = 0
    skipped: str | None = None  # "not enrolled", "no source", "unchanged", "busy"
    error_code: str | None = None


class AlertsOutbox:
    def __init__(self, api: Callable[[], BackofficeApi | None], state: FeedStore, clock: Clock,
                 *, resend_s: float = 300.0) -> None:
        self._api, self._state, self._clock = api, state, clock
        self.resend_s = resend_s
        self._source: Callable[[], Payload] | None = None
        self._lock = threading.Lock()
        self._last_sent_at: datetime | None = None

    def follow(self, source: Callable[[], Payload]) -> None:
        self._source = source

    def _load(self) -> dict[str, object]:
        try:
            data = json.loads(self._state.get_state(STATE) or "{}")
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def pending(self) -> tuple[int, int, Payload]:
        """(revision kept, revision last acknowledged by the server, alerts kept)."""
        data = self._load()
        alerts = data.get("alerts")
        return (int(str(data.get("revision", 0))), int(str(data.get("sent", 0))),
                list(alerts) if isinstance(alerts, list) else [])

    def run_once(self) -> AlertsRun:
        if not self._lock.acquire(blocking=False):
            return AlertsRun(skipped="busy")
        try:
            return self._run()
        finally:
            self._lock.release()

    def _run(self) -> AlertsRun:
        revision, sent, kept = self.pending()
        if self._source is not None:
            current = fit(self._source())
            if current != kept or revision == 0:
                now_ms = int(self._clock.now().timestamp() * 1000)
                revision, kept = max(revision + 1, now_ms), current
                self._state.set_state(STATE, json.dumps(
                    {"revision": revision, "alerts": kept, "sent": sent}, sort_keys=True))
        elif revision == 0:
            return AlertsRun(skipped="no source")
        now = self._clock.now()
        due = self._last_sent_at is None or \
            (now - self._last_sent_at).total_seconds() >= self.resend_s
        if sent == revision and not due:
            return AlertsRun(revision=revision, alerts=len(kept), skipped="unchanged")
        api = self._api()
        if api is None:
            return AlertsRun(revision=revision, alerts=len(kept), skipped="not enrolled")
        try:
            answer = api.put_alerts(revision, kept)
            theirs = answer.get("revision")
            if not answer.get("stored", False) and isinstance(theirs, int):
                # the server holds a newer revision (this till's clock went back, or its
                # ledger was restored): what is active here now is newer still
                log.warning("back office held alerts revision %d > %d", theirs, revision)
                revision = theirs + 1
                api.put_alerts(revision, kept)
        except BackofficeError as exc:
            log.warning("alerts not sent to the back office (%s); kept for the next try",
                        exc.code)
            return AlertsRun(revision=revision, alerts=len(kept), error_code=exc.code)
        self._last_sent_at = now
        self._state.set_state(STATE, json.dumps(
            {"revision": revision, "alerts": kept, "sent": revision}, sort_keys=True))
        log.info("alerts sent to the back office: revision %d, %d active", revision, len(kept))
        return AlertsRun(sent=True, revision=revision, alerts=len(kept))
