"""The tills' active alerts (issue 16): ``PUT /v1/alerts`` replaces a till's set.

A till sends all its active alerts at once with a revision (milliseconds since 1970 or one
above its last, so a restored till still moves forward). The server keeps one set per till:
a revision lower than the stored one is stale and ignored (answered ``stored: false``); an
equal or higher one replaces the set in one transaction that holds the till's row lock.
An empty list clears the till's alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from ireti_till.domain.errors import BackofficeError
from ireti_till.server.schema import till_alerts, tills

MAX_ALERTS = 50
MAX_BODY = 64_000
SEVERITIES = ("info", "warning", "critical")
_LIMITS = {"key": 40, "title": 120, "message": 500, "runbook": 200, "acknowledged_by": 64}


def _bad(what: str) -> BackofficeError:
    return BackofficeError(f"The alerts body is not valid: {what}.", code="IT-740")


def _when(value: Any, what: str, optional: bool = False) -> datetime | None:
    if optional and value in (None, ""):
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{what} is not an ISO date and time") from None
    if at.tzinfo is None:
        raise _bad(f"{what} has no time zone")
    return at


def parse(body: Any) -> tuple[int, list[dict[str, Any]]]:
    """(revision, rows) from a ``PUT /v1/alerts`` body, or IT-740 naming the problem."""
    if not isinstance(body, dict):
        raise _bad("not an object")
    revision, items = body.get("revision"), body.get("alerts")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise _bad("revision must be a whole number >= 0")
    if not isinstance(items, list) or len(items) > MAX_ALERTS:
        raise _bad(f"alerts must be a list of at most {MAX_ALERTS}")
    rows: dict[str, dict[str, Any]] = {}
    for n, a in enumerate(items):
        if not isinstance(a, dict):
            raise _bad(f"alert {n} is not an object")
        for name, limit in _LIMITS.items():
            value = a.get(name, "")
            if not isinstance(value, str) or len(value) > limit or \
                    (name in ("key", "title") and not value):
                raise _bad(f"alert {n}: {name} must be text of at most {limit} characters")
        if a.get("severity") not in SEVERITIES:
            raise _bad(f"alert {n}: severity must be one of {', '.join(SEVERITIES)}")
        rows[a["key"]] = {
            "rule": a["key"], "severity": a["severity"], "title": a["title"],
            "message": a.get("message", ""), "runbook": a.get("runbook", ""),
            "since": _when(a.get("since"), f"alert {n}: since"),
            "acknowledged_by": a.get("acknowledged_by") or None,
            "acknowledged_at": _when(a.get("acknowledged_at"), f"alert {n}: acknowledged_at",
                                     optional=True)}
    return revision, list(rows.values())


def replace(engine: Engine, till_id: str, revision: int,
            rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Store ``rows`` as the till's alerts unless a newer revision is already stored."""
    with engine.begin() as conn:
        stored = int(conn.execute(select(tills.c.alerts_revision).where(
            tills.c.id == till_id).with_for_update()).scalar_one())
        if revision < stored:
            return {"stored": False, "revision": stored}
        conn.execute(delete(till_alerts).where(till_alerts.c.till_id == till_id))
        if rows:
            conn.execute(insert(till_alerts), [{"till_id": till_id, **r} for r in rows])
        conn.execute(update(tills).where(tills.c.id == till_id).values(
            alerts_revision=revision))
    return {"stored": True, "revision": revision, "active": len(rows)}


def active(engine: Engine) -> list[dict[str, Any]]:
    """Every till's active alerts with its store, critical first, then oldest first."""
    order = {"critical": 0, "warning": 1, "info": 2}
    with engine.connect() as conn:
        got = conn.execute(select(till_alerts, tills.c.store_id).join(
            tills, tills.c.id == till_alerts.c.till_id).where(
            tills.c.revoked_at.is_(None))).mappings().all()
    rows = [dict(r) for r in got]
    rows.sort(key=lambda r: (order.get(r["severity"], 3), r["since"], r["till_id"], r["rule"]))
    return rows
