"""The ledger's side of a reconciliation (``uow.reconcile_rows``): the card payments and card
refunds of a time window (or a shift) on one till, with whether their outbox work is done."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ireti_till.adapters.db.base import utc_text
from ireti_till.adapters.db.uow import register_repository
from ireti_till.services.reconcile_day import LedgerPayment, LedgerRefund

_PAYMENTS: Final = text("""
SELECT s.id, s.till_id || '-' || printf('%06d', s.receipt_no), t.reference, t.amount_minor,
       t.currency,
       EXISTS (SELECT 1 FROM payment_outbox o WHERE o.intent_id = t.reference
               AND o.kind = 'capture' AND o.state NOT IN ('done', 'resolved'))
  FROM sale_tenders t JOIN sales s ON s.id = t.sale_id
 WHERE t.kind = 'card' AND s.till_id = :till AND {where}
 ORDER BY s.completed_at, t.seq""")
_REFUNDS: Final = text("""
SELECT g.leg_id, r.till_id || '-R' || printf('%06d', r.refund_no), g.intent_id,
       g.amount_minor, g.currency,
       coalesce((SELECT o.state FROM payment_outbox o WHERE o.op_id = g.op_id), 'none')
  FROM refund_legs g JOIN refunds r ON r.id = g.refund_id
 WHERE g.action = 'card_refund' AND r.till_id = :till AND {where}
 ORDER BY r.created_at, g.seq""")


class SqlReconcileRows:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def _where(self, column: str, shift_id: str | None, start: datetime | None,
               end: datetime | None) -> tuple[str, dict[str, str]]:
        if shift_id is not None:
            return f"{column[0]}.shift_id = :shift", {"shift": shift_id}
        assert start is not None and end is not None
        return (f"{column} >= :a AND {column} < :b",
                {"a": utc_text(start), "b": utc_text(end)})

    def payments(self, till_id: str, *, shift_id: str | None = None,
                 start: datetime | None = None,
                 end: datetime | None = None) -> list[LedgerPayment]:
        where, params = self._where("s.completed_at", shift_id, start, end)
        rows = self._conn.execute(text(_PAYMENTS.text.format(where=where)),
                                  {"till": till_id, **params})
        return [LedgerPayment(sid, code, ref, int(amount), cur, bool(queued))
                for sid, code, ref, amount, cur, queued in rows]

    def refunds(self, till_id: str, *, shift_id: str | None = None,
                start: datetime | None = None,
                end: datetime | None = None) -> list[LedgerRefund]:
        where, params = self._where("r.created_at", shift_id, start, end)
        rows = self._conn.execute(text(_REFUNDS.text.format(where=where)),
                                  {"till": till_id, **params})
        return [LedgerRefund(leg, code, intent, int(amount), cur, state)
                for leg, code, intent, amount, cur, state in rows]


register_repository("reconcile_rows", SqlReconcileRows)
