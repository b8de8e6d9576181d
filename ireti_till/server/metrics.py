"""``/metrics`` in the Prometheus text format, read from the database on each scrape."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, func, select, text, union

from ireti_till.server.schema import (
    feed_flags,
    feed_items,
    refund_leg_reservations,
    refund_reservations,
    till_alerts,
    tills,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def render(engine: Engine) -> str:
    reg = CollectorRegistry()
    labels = ["till", "store"]
    seen = Gauge("ireti_till_last_seen_timestamp_seconds", "Last batch from the till",
                 labels, registry=reg)
    lag = Gauge("ireti_till_feed_lag_seconds", "Age of the newest batch's oldest item when "
                "sent (till clock)", labels, registry=reg)
    depth = Gauge("ireti_till_queue_depth", "Feed items waiting on the till", labels,
                  registry=reg)
    hw = Gauge("ireti_till_feed_high_water", "Highest feed seq stored", labels, registry=reg)
    decl = Gauge("ireti_store_card_decline_ratio", "Declined / decided card attempts",
                 ["store"], registry=reg)
    pending = Gauge("ireti_refunds_reserved", "Refunds reserved on the back office, not settled",
                    ["store"], registry=reg)
    flags = Gauge("ireti_feed_flagged_total", "Feed items flagged (payload mismatch)",
                  registry=reg)
    up = Gauge("ireti_backoffice_database_up", "1 if the database answered", registry=reg)
    alerts = Gauge("ireti_backoffice_alerts_active", "1 per alert active on a till (as the "
                   "till last sent them)", ["store", "till", "rule", "severity"], registry=reg)
    card = Histogram("ireti_store_card_latency_seconds", "Card attempt created -> decided on "
                     "the reader, from the tills' feeds (last 24 h)", ["store"], registry=reg,
                     buckets=(1, 2, 3, 5, 8, 13, 20, 30, 60, 120))
    with engine.connect() as conn:
        for store, secs in conn.execute(text(
                "SELECT t.store_id, extract(epoch FROM (f.payload->>'updated_at')::timestamptz"
                " - (f.payload->>'created_at')::timestamptz) FROM feed_items f JOIN tills t "
                "ON t.id = f.till_id WHERE f.kind = 'card_attempt' AND f.status = 'ok' AND "
                "f.payload->>'state' IN ('authorised', 'declined') AND "
                "f.payload->>'created_at' ~ '^\\d{4}-\\d\\d-\\d\\dT' AND "
                "f.payload->>'updated_at' ~ '^\\d{4}-\\d\\d-\\d\\dT' AND "
                "f.received_at > now() - interval '24 hours' LIMIT 200000")):
            card.labels(store).observe(max(0.0, float(secs)))
        for t in conn.execute(select(tills)).mappings():
            lv = (t["id"], t["store_id"])
            if t["last_seen_at"] is not None:
                seen.labels(*lv).set(t["last_seen_at"].timestamp())
            lag.labels(*lv).set(t["last_lag_s"])
            depth.labels(*lv).set(t["queue_depth"])
            hw.labels(*lv).set(t["high_water"])
        state = feed_items.c.payload["state"].astext
        rows = conn.execute(select(tills.c.store_id, state, func.count()).join(
            tills, tills.c.id == feed_items.c.till_id).where(
            feed_items.c.kind == "card_attempt", feed_items.c.status == "ok",
            state.in_(["declined", "authorised"])).group_by(text("1, 2"))).all()
        per: dict[str, dict[str, int]] = {}
        for store, st, n in rows:
            per.setdefault(store, {})[st] = int(n)
        for store, counts in per.items():
            total = sum(counts.values())
            decl.labels(store).set(counts.get("declined", 0) / total if total else 0.0)
        waiting = union(*(select(t.c.store_id, t.c.refund_ref).where(t.c.state == "reserved")
                          for t in (refund_reservations, refund_leg_reservations))).subquery()
        for store, n in conn.execute(select(waiting.c.store_id, func.count()).group_by(
                waiting.c.store_id)):
            pending.labels(store).set(n)  # refunds (by items or by amount) still reserved
        for a in conn.execute(select(tills.c.store_id, till_alerts.c.till_id, till_alerts.c.rule,
                                     till_alerts.c.severity).join(
                tills, tills.c.id == till_alerts.c.till_id).where(tills.c.revoked_at.is_(None))):
            alerts.labels(a.store_id, a.till_id, a.rule, a.severity).set(1)
        flags.set(conn.execute(select(func.count()).select_from(feed_flags)).scalar_one()
                  + conn.execute(select(func.count()).select_from(feed_items).where(
                      feed_items.c.status == "flagged")).scalar_one())
    up.set(1)
    return generate_latest(reg).decode()


def render_down() -> str:
    reg = CollectorRegistry()
    Gauge("ireti_backoffice_database_up", "1 if the database answered", registry=reg).set(0)
    return generate_latest(reg).decode()
