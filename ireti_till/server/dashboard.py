"""What the back-office page shows, read from the database (no HTML here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Engine, func, select, text

from ireti_till.domain.money import Money
from ireti_till.server.alerts import active as alerts_of_tills
from ireti_till.server.schema import (
    feed_flags,
    feed_items,
    refund_leg_reservations,
    refund_reservations,
    stores,
    tills,
)

ONLINE_WITHIN = timedelta(minutes=2)
OFFLINE_ALERT = timedelta(hours=1)


@dataclass
class TillRow:
    id: str
    store: str
    online: bool
    last_sync: str
    waiting: int
    sales_today: int
    takings_today: str


@dataclass
class Board:
    stores: list[dict[str, Any]] = field(default_factory=list)
    tills: list[TillRow] = field(default_factory=list)
    z_reports: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    till_alerts: list[dict[str, str]] = field(default_factory=list)


def _money(totals: dict[str, int]) -> str:
    return ", ".join(Money(v, c).format() for c, v in sorted(totals.items())) or "—"


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    s = int((now - when).total_seconds())
    return f"{s} s ago" if s < 120 else f"{s // 60} min ago" if s < 7200 else \
        when.strftime("%Y-%m-%d %H:%M UTC")


def board(engine: Engine, now: datetime | None = None) -> Board:
    now = now or datetime.now(UTC)
    today = now.strftime("%Y-%m-%d")
    out = Board()
    with engine.connect() as conn:
        sales = conn.execute(select(
            feed_items.c.till_id, feed_items.c.payload["currency"].astext,
            func.count(), func.sum(feed_items.c.payload["total_minor"].astext.cast(
                BigInteger))).where(
            feed_items.c.kind == "sale", feed_items.c.status == "ok",
            feed_items.c.payload["completed_at"].astext.like(f"{today}%")).group_by(
            text("1, 2"))).all()
        per_till: dict[str, tuple[int, dict[str, int]]] = {}
        for till, cur, n, total in sales:
            count, totals = per_till.get(till, (0, {}))
            totals[cur] = totals.get(cur, 0) + int(total or 0)
            per_till[till] = (count + int(n), totals)
        store_totals: dict[str, tuple[int, dict[str, int]]] = {}
        for t in conn.execute(select(tills).order_by(tills.c.store_id, tills.c.id)).mappings():
            n, totals = per_till.get(t["id"], (0, {}))
            seen = t["last_seen_at"]
            online = seen is not None and now - seen < ONLINE_WITHIN and t["revoked_at"] is None
            out.tills.append(TillRow(t["id"], t["store_id"], online, _ago(seen, now),
                                     t["queue_depth"], n, _money(totals)))
            sn, st = store_totals.get(t["store_id"], (0, {}))
            for c, v in totals.items():
                st[c] = st.get(c, 0) + v
            store_totals[t["store_id"]] = (sn + n, st)
            if t["revoked_at"] is None and t["enrolled_at"] is not None:
                if seen is None:
                    out.alerts.append(f"Till {t['id']} ({t['store_id']}) is enrolled but has "
                                      "not synced yet: check that it is running and online.")
                elif now - seen > OFFLINE_ALERT:
                    out.alerts.append(f"Till {t['id']} ({t['store_id']}) has not synced for "
                                      "over an hour.")
        for s in conn.execute(select(stores).order_by(stores.c.id)).mappings():
            n, totals = store_totals.get(s["id"], (0, {}))
            online = sum(1 for r in out.tills if r.store == s["id"] and r.online)
            total = sum(1 for r in out.tills if r.store == s["id"])
            out.stores.append({"id": s["id"], "name": s["name"], "online": online,
                               "tills": total, "sales": n, "takings": _money(totals)})
        for till, payload in conn.execute(select(feed_items.c.till_id, feed_items.c.payload)
                                          .where(feed_items.c.kind == "z_report",
                                                 feed_items.c.status == "ok")
                                          .order_by(feed_items.c.received_at.desc()).limit(20)):
            out.z_reports.append({"till": till, **dict(payload)})
        for r in conn.execute(select(refund_reservations).where(
                refund_reservations.c.state == "reserved").order_by(
                refund_reservations.c.created_at.desc()).limit(50)).mappings():
            out.refunds.append({"till": r["till_id"], "sale": r["sale_id"][:8],
                                "ref": r["refund_ref"], "line": r["line_no"], "qty": r["quantity"],
                                "state": "pending", "since": _ago(r["created_at"], now)})
        legs = refund_leg_reservations.c  # refunds by amount reserve their payments only
        by_items = select(refund_reservations.c.refund_ref).where(
            refund_reservations.c.state == "reserved")
        at = func.min(legs.created_at).label("at")
        by_amount = select(legs.till_id, legs.sale_id, legs.refund_ref, at).where(
            legs.state == "reserved", legs.refund_ref.not_in(by_items)).group_by(
            legs.till_id, legs.sale_id, legs.refund_ref).order_by(at.desc()).limit(50)
        for r in conn.execute(by_amount).mappings():
            out.refunds.append({"till": r["till_id"], "sale": r["sale_id"][:8],
                                "ref": r["refund_ref"], "line": "by amount", "qty": "—",
                                "state": "pending", "since": _ago(r["at"], now)})
        for till, payload in conn.execute(select(feed_items.c.till_id, feed_items.c.payload)
                                          .where(feed_items.c.kind == "payment_op",
                                                 feed_items.c.status == "ok",
                                                 feed_items.c.payload["kind"].astext == "refund",
                                                 feed_items.c.payload["state"].astext.in_(
                                                     ["failed", "reconcile"])).limit(50)):
            out.refunds.append({"till": till, "sale": str(payload.get("sale_id") or "")[:8],
                                "ref": "—", "line": "—", "qty": "—", "state": payload["state"],
                                "since": str(payload.get("updated_at", ""))[:16]})
        flagged = conn.execute(select(func.count()).select_from(feed_flags)).scalar_one()
        flagged += conn.execute(select(func.count()).select_from(feed_items).where(
            feed_items.c.status == "flagged")).scalar_one()
    for a in alerts_of_tills(engine):
        acked = a["acknowledged_at"]
        out.till_alerts.append({
            "till": a["till_id"], "store": a["store_id"], "rule": a["rule"],
            "title": a["title"], "message": a["message"], "severity": a["severity"],
            "since": _ago(a["since"], now),
            "acknowledged": f"{a['acknowledged_by'] or '?'}, {_ago(acked, now)}" if acked
            else "no"})
    if flagged:
        out.alerts.append(f"{flagged} feed item(s) arrived twice with different contents and "
                          "were flagged, not overwritten: see docs/back-office.md#flagged.")
    return out
