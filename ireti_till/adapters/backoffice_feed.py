"""The till's side of the feed: reads ``bo_feed`` and records numbering and acks (SQLite).

Every method is one short ``BEGIN IMMEDIATE`` transaction and never spans a network call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from ireti_till.adapters.db.engine import READ_ONLY_OPTION
from ireti_till.domain.feed import FeedItem


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class SqlFeedStore:
    """``services.backoffice_ports.FeedStore`` on the till's ledger."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def next_batch(self, limit: int, floor_seq: int) -> list[FeedItem]:
        """Up to ``limit`` unacked items in wire order, numbering new ones above
        ``max(floor_seq, highest number used)`` first (committed before anything is sent)."""
        with self._engine.begin() as conn:
            numbered = conn.execute(text(
                "SELECT count(*) FROM bo_feed WHERE acked_at IS NULL AND wire_seq IS NOT NULL"
            )).scalar_one()
            if numbered < limit:
                top = conn.execute(text("SELECT coalesce(max(wire_seq), 0) FROM bo_feed"))
                base = max(int(top.scalar_one()), floor_seq)
                ids = conn.execute(text(
                    "SELECT id FROM bo_feed WHERE acked_at IS NULL AND wire_seq IS NULL "
                    "ORDER BY id LIMIT :n"), {"n": limit - numbered}).scalars().all()
                for i, row_id in enumerate(ids, start=1):
                    conn.execute(text("UPDATE bo_feed SET wire_seq = :s WHERE id = :id"),
                                 {"s": base + i, "id": row_id})
            rows = conn.execute(text(
                "SELECT wire_seq, kind, item_key, at, payload FROM bo_feed "
                "WHERE acked_at IS NULL AND wire_seq IS NOT NULL ORDER BY wire_seq LIMIT :n"),
                {"n": limit}).all()
        return [FeedItem(int(r[0]), str(r[1]), str(r[2]), str(r[3]), json.loads(r[4], strict=False))
                for r in rows]

    def mark_acked(self, through_seq: int, at: datetime) -> int:
        with self._engine.begin() as conn:
            res = conn.execute(text(
                "UPDATE bo_feed SET acked_at = :at WHERE acked_at IS NULL AND wire_seq <= :s"),
                {"at": _ts(at), "s": through_seq})
            return int(res.rowcount or 0)

    def renumber(self) -> int:
        """Forget the numbers of unacked items (the server refused them); they get new ones."""
        with self._engine.begin() as conn:
            res = conn.execute(text(
                "UPDATE bo_feed SET wire_seq = NULL WHERE acked_at IS NULL"))
            return int(res.rowcount or 0)

    def waiting(self) -> tuple[int, datetime | None]:
        with self._engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            n, oldest = conn.execute(text(
                "SELECT count(*), min(at) FROM bo_feed WHERE acked_at IS NULL")).one()
            conn.rollback()
        return int(n), (parse_ts(oldest) if oldest else None)

    # --- retention (issue 14): only rows the server acknowledged, in small transactions --
    def prune_batch(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` rows acknowledged before ``before``, oldest first, in one
        short transaction. The row with the highest number is kept (new numbers continue
        above it); an unacknowledged row is never touched (the ledger's trigger refuses it)."""
        with self._engine.begin() as conn:
            res = conn.execute(text(
                "DELETE FROM bo_feed WHERE id IN (SELECT id FROM bo_feed "
                "WHERE acked_at IS NOT NULL AND acked_at < :before "
                "AND wire_seq < (SELECT max(wire_seq) FROM bo_feed) "
                "ORDER BY acked_at LIMIT :n)"), {"before": _ts(before), "n": limit})
            return int(res.rowcount or 0)

    def prunable(self, before: datetime) -> tuple[int, int]:
        """(acknowledged rows older than ``before``, rows not acknowledged yet)."""
        with self._engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            old, unacked = conn.execute(text(
                "SELECT count(*) FILTER (WHERE acked_at IS NOT NULL AND acked_at < :b), "
                "count(*) FILTER (WHERE acked_at IS NULL) FROM bo_feed"),
                {"b": _ts(before)}).one()
            conn.rollback()
        return int(old), int(unacked)

    def get_state(self, name: str) -> str | None:
        with self._engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            value = conn.execute(text("SELECT value FROM bo_state WHERE name = :n"),
                                 {"n": name}).scalar_one_or_none()
            conn.rollback()
        return None if value is None else str(value)

    def set_state(self, name: str, value: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO bo_state (name, value) VALUES (:n, :v) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                {"n": name, "v": value})


def stored_tax_rates(engine: Callable[[], Engine | None]) -> Callable[[], str | None]:
    """``TaxRateBook``'s loader: the rates the catalog pull kept, or None while ``engine()``
    has no open ledger yet (it must not wait for one: a scan may come first)."""
    from ireti_till.services.backoffice_tax import TAX_RATES

    def load() -> str | None:
        eng = engine()
        return None if eng is None else SqlFeedStore(eng).get_state(TAX_RATES)

    return load
