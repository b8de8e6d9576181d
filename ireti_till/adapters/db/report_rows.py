"""Flat export rows of the trading day (``uow.report_rows``), read from the same tables the
Z report sums: sales and their tenders, refunds and their legs, cash movements, shifts, Z.

Money leaves as ``*_minor`` integers next to ``currency``; the export service turns them
into exact decimal text. Rows are streamed in pages so a year of sales needs little memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ireti_till.adapters.db.base import utc_text
from ireti_till.adapters.db.uow import register_repository

_PAGE: Final = 500
_SALES: Final = """
SELECT s.id, s.till_id || '-' || printf('%06d', s.receipt_no) AS receipt_code, s.receipt_no,
       s.till_id, s.shift_id, s.cashier, s.completed_at, s.currency,
       s.total_minor, s.discount_total_minor, s.tax_total_minor, s.change_minor,
       (SELECT coalesce(sum(amount_minor), 0) FROM sale_tenders t
         WHERE t.sale_id = s.id AND t.kind = 'cash') AS cash_minor,
       (SELECT coalesce(sum(amount_minor), 0) FROM sale_tenders t
         WHERE t.sale_id = s.id AND t.kind = 'card') AS card_minor,
       (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id AND l.voided) AS voided_lines,
       s.training
  FROM sales s WHERE {where} AND (s.completed_at, s.id) > (:after_at, :after_id)
 ORDER BY s.completed_at, s.id LIMIT :page"""
_REFUNDS: Final = """
SELECT r.id, r.till_id, r.refund_no, r.shift_id, r.sale_id, r.currency,
       r.amount_minor,
       (SELECT coalesce(sum(amount_minor), 0) FROM refund_legs g
         WHERE g.refund_id = r.id AND g.action = 'cash_out') AS cash_minor,
       (SELECT coalesce(sum(amount_minor), 0) FROM refund_legs g
         WHERE g.refund_id = r.id AND g.action <> 'cash_out') AS card_minor,
       r.reason, r.requester_id, r.approver_id, r.created_at,
       coalesce((SELECT x.origin_till FROM remote_refunds x WHERE x.refund_id = r.id),
                (SELECT s.till_id FROM sales s WHERE s.id = r.sale_id)) AS sale_till_id,
       coalesce((SELECT x.receipt_no FROM remote_refunds x WHERE x.refund_id = r.id),
                (SELECT s.receipt_no FROM sales s WHERE s.id = r.sale_id)) AS sale_receipt_no
  FROM refunds r WHERE {where} AND (r.created_at, r.id) > (:after_at, :after_id)
 ORDER BY r.created_at, r.id LIMIT :page"""
_CASH: Final = """
SELECT m.id, m.shift_id, m.kind, m.currency, m.amount_minor, m.reason, m.actor,
       m.approver_id, m.created_at
  FROM cash_movements m WHERE {where} AND (m.created_at, m.id) > (:after_at, :after_id)
 ORDER BY m.created_at, m.id LIMIT :page"""
_SHIFTS: Final = """
SELECT h.id, h.till_id, h.state, h.currency, h.opened_by, h.opened_at, h.float_minor,
       h.closed_by, h.closed_at, h.expected_minor, h.counted_minor,
       h.counted_minor - h.expected_minor AS over_short_minor, h.reason, h.approver_id,
       h.queued_card_accepted_by
  FROM shifts h WHERE {where} AND (h.opened_at, h.id) > (:after_at, :after_id)
 ORDER BY h.opened_at, h.id LIMIT :page"""
_Z: Final = """
SELECT z.id, z.till_id, z.z_no, z.shift_id, z.currency, z.created_at, z.body_json
  FROM z_reports z WHERE {where} AND (z.created_at, z.id) > (:after_at, :after_id)
 ORDER BY z.created_at, z.id LIMIT :page"""
#: what -> (query, time column, table alias)
QUERIES: Final = {"sales": (_SALES, "completed_at", "s"), "refunds": (_REFUNDS, "created_at", "r"),
                  "cash": (_CASH, "created_at", "m"), "shifts": (_SHIFTS, "opened_at", "h"),
                  "z": (_Z, "created_at", "z")}


class SqlReportRows:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def rows(self, what: str, *, shift_id: str | None = None,
             since: datetime | None = None, until: datetime | None = None,
             ) -> Iterator[dict[str, Any]]:
        sql, column, alias = QUERIES[what]
        where = ["1"]
        params: dict[str, Any] = {"page": _PAGE, "after_at": "", "after_id": ""}
        if shift_id is not None:
            where.append(f"{alias}.{'id' if what == 'shifts' else 'shift_id'} = :shift")
            params["shift"] = shift_id
        if since is not None:
            where.append(f"{alias}.{column} >= :since")
            params["since"] = utc_text(since)
        if until is not None:
            where.append(f"{alias}.{column} < :until")
            params["until"] = utc_text(until)
        statement = text(sql.format(where=" AND ".join(where)))
        while True:
            page = [dict(r._mapping) for r in self._conn.execute(statement, params)]
            for row in page:
                if what == "z":
                    row.update(json.loads(row.pop("body_json")))
                yield row
            if len(page) < _PAGE:
                return
            params["after_at"], params["after_id"] = page[-1][column], page[-1]["id"]


register_repository("report_rows", SqlReportRows)
