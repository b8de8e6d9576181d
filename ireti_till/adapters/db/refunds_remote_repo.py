"""``SqlRemoteRefundLog``: the ``remote_refunds`` table (cross-till refunds), one committed
transaction per call (``services.refund_remote_ports.RemoteRefundLog``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Engine, Table, insert, select, update

from ireti_till.adapters.db.models_refunds_remote import RemoteRefund
from ireti_till.services.refund_remote_ports import (
    UNSETTLED,
    RemoteRefundEntry,
    RemoteState,
)

_t = cast(Table, RemoteRefund.__table__)


def _pairs(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in json.loads(text))


def _entry(r: Any) -> RemoteRefundEntry:
    return RemoteRefundEntry(
        UUID(r.refund_id), r.sale_id, r.origin_till, int(r.receipt_no), r.currency,
        int(r.amount_minor), r.sale_json, _pairs(r.lines_json), _pairs(r.legs_json),
        RemoteState(r.state), r.created_at, r.updated_at, int(r.tries), r.last_error)


class SqlRemoteRefundLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, entry: RemoteRefundEntry) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(_t).values(
                refund_id=str(entry.refund_id), sale_id=entry.sale_id,
                origin_till=entry.origin_till, receipt_no=entry.receipt_no,
                currency=entry.currency, amount_minor=entry.amount_minor,
                sale_json=entry.sale_json, lines_json=json.dumps(entry.lines),
                legs_json=json.dumps(entry.legs), state=entry.state.value, tries=entry.tries,
                last_error=entry.last_error, created_at=entry.created_at,
                updated_at=entry.updated_at))

    def get(self, refund_id: UUID) -> RemoteRefundEntry | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(_t).where(_t.c.refund_id == str(refund_id))).first()
        return None if r is None else _entry(r)

    def move(self, refund_id: UUID, expected: tuple[RemoteState, ...], target: RemoteState,
             now: datetime, error: str | None = None) -> bool:
        with self._engine.begin() as conn:
            res = conn.execute(update(_t).where(
                _t.c.refund_id == str(refund_id),
                _t.c.state.in_([s.value for s in expected])).values(
                state=target.value, updated_at=now, last_error=(error or "")[:300] or None))
        return bool(res.rowcount)

    def note_try(self, refund_id: UUID, now: datetime, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_t).where(_t.c.refund_id == str(refund_id)).values(
                tries=_t.c.tries + 1, updated_at=now, last_error=error[:300]))

    def unsettled(self) -> list[RemoteRefundEntry]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(_t).where(_t.c.state.in_(
                [s.value for s in UNSETTLED])).order_by(_t.c.created_at)).all()
        return [_entry(r) for r in rows]

    def for_refunds(self, refund_ids: list[UUID]) -> dict[UUID, RemoteRefundEntry]:
        if not refund_ids:
            return {}
        with self._engine.connect() as conn:
            rows = conn.execute(select(_t).where(
                _t.c.refund_id.in_([str(i) for i in refund_ids]))).all()
        return {UUID(r.refund_id): _entry(r) for r in rows}
