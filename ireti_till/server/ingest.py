"""Receiving a till's feed batch: exactly once, in order, never overwriting.

Within one PostgreSQL transaction that holds the till's row lock (so one batch per till at
a time, whatever the till does):

1. ``seq`` must continue the till's high-water (``seq <= high_water + 1``); a gap answers
   ``renumber`` and nothing is stored.
2. A ``seq`` the server already holds: same payload hash -> acknowledged again; another
   payload -> flagged (kept in ``feed_flags``), processing stops there and the till is told
   to renumber what follows. The stored row is never changed.
3. A new ``seq`` whose ``key`` is already stored (a till restored from a backup re-sends a
   record under a new number): same hash -> a ``duplicate`` marker row, another hash -> a
   ``flagged`` row. The first stored row stays the one that counts.
4. The answer is sent only after the commit: ``acked_through`` is durable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ireti_till.domain.feed import FeedItem, payload_hash
from ireti_till.server.schema import feed_flags, feed_items, tills


def _lag(sent_at: str | None, at: str) -> float:
    try:
        sent = datetime.fromisoformat((sent_at or "").replace("Z", "+00:00"))
        made = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max(0.0, (sent - made).total_seconds())


def high_water(engine: Engine, till_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(tills.c.high_water)
                                .where(tills.c.id == till_id)).scalar_one())


def ingest(engine: Engine, till_id: str, items: list[FeedItem], *, sent_at: str | None = None,
           queue_depth: int = 0) -> dict[str, Any]:
    hashes = [payload_hash(it.payload) for it in items]
    with engine.begin() as conn:
        hw = int(conn.execute(select(tills.c.high_water).where(tills.c.id == till_id)
                              .with_for_update()).scalar_one())
        result: dict[str, Any] = {"acked_through": hw, "high_water": hw, "duplicates": 0,
                                  "flagged": 0, "renumber": False}
        if items[0].seq > hw + 1:
            result["renumber"] = True
            return result
        known = dict(conn.execute(select(feed_items.c.seq, feed_items.c.payload_hash).where(
            feed_items.c.till_id == till_id, feed_items.c.seq >= items[0].seq,
            feed_items.c.seq <= hw)).all())
        fresh = [(it, h) for it, h in zip(items, hashes, strict=True) if it.seq > hw]
        keys = dict(conn.execute(select(feed_items.c.item_key, feed_items.c.payload_hash).where(
            feed_items.c.till_id == till_id, feed_items.c.status == "ok",
            feed_items.c.item_key.in_([it.key for it, _ in fresh]))).all()) if fresh else {}
        acked = items[0].seq - 1
        for it, h in zip(items, hashes, strict=True):
            if it.seq > hw:
                break
            if known.get(it.seq) != h:
                conn.execute(insert(feed_flags).values(
                    till_id=till_id, seq=it.seq, item_key=it.key, payload=it.payload,
                    reason="seq already used with another payload"))
                result.update(flagged=1, renumber=True)
                fresh = []
                break
            acked = it.seq
        rows: list[dict[str, Any]] = []
        for it, h in fresh:
            status = "ok"
            payload: dict[str, Any] | None = it.payload
            if it.key in keys:
                status = "duplicate" if keys[it.key] == h else "flagged"
                payload = None if status == "duplicate" else it.payload
                result["duplicates" if status == "duplicate" else "flagged"] += 1
            else:
                keys[it.key] = h
            rows.append({"till_id": till_id, "seq": it.seq, "kind": it.kind,
                         "item_key": it.key, "at": it.at, "payload": payload,
                         "payload_hash": h, "status": status, "lag_s": _lag(sent_at, it.at)})
            acked = it.seq
        if rows:
            conn.execute(insert(feed_items), rows)
        new_hw = max(hw, acked)
        conn.execute(update(tills).where(tills.c.id == till_id).values(
            high_water=new_hw, last_seen_at=datetime.now(UTC), queue_depth=queue_depth,
            last_lag_s=max((r["lag_s"] for r in rows), default=0.0)))
        result.update(acked_through=acked, high_water=new_hw)
    return result
