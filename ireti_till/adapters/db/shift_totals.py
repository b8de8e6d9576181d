"""The totals of one shift, summed by SQLite from the rows the exports read.

Sales and refunds belong to a shift by their stamped ``shift_id`` (a card sale: the shift
its tender started in, ``0012_loose_ends``); cash movements by their ``shift_id``. A sale
completed after its shift's Z (crash recovery) stays in that shift's rows and is listed once
on the next X/Z as "late from shift Zn"; the stored Z never changes. Voided open sales,
overrides and card work still queued have no shift column and are taken from the shift's
time window on this till. Every figure is an integer SUM of minor units: nothing is
re-derived from floats or from printed text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ireti_till.adapters.db.base import utc_text
from ireti_till.domain.money import Money
from ireti_till.domain.shift import Shift, expected_cash
from ireti_till.domain.zreport import CashierTotal, TaxTotal, TenderTotal, ZReport

_SQL: Final[dict[str, Any]] = {name: text(sql) for name, sql in {
    "sales": "SELECT count(*), coalesce(sum(total_minor), 0), "
             "coalesce(sum(discount_total_minor), 0) FROM sales WHERE shift_id = :s",
    "voided_lines": "SELECT count(*) FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
                    "WHERE s.shift_id = :s AND l.voided",
    "tenders": "SELECT t.kind, count(*), coalesce(sum(t.amount_minor), 0) FROM sale_tenders t "
               "JOIN sales s ON s.id = t.sale_id WHERE s.shift_id = :s GROUP BY t.kind "
               "ORDER BY t.kind",
    "taxes": "SELECT x.tax_code, x.rate_text, sum(x.net_minor), sum(x.tax_minor), "
             "sum(x.gross_minor) FROM sale_taxes x JOIN sales s ON s.id = x.sale_id "
             "WHERE s.shift_id = :s GROUP BY x.tax_code, x.rate_text ORDER BY x.tax_code",
    "cashiers": "SELECT cashier, count(*), sum(total_minor) FROM sales WHERE shift_id = :s "
                "GROUP BY cashier ORDER BY cashier",
    "refunds": "SELECT count(*), coalesce(sum(amount_minor), 0) FROM refunds "
               "WHERE shift_id = :s",
    "refund_legs": "SELECT g.action, coalesce(sum(g.amount_minor), 0) FROM refund_legs g "
                   "JOIN refunds r ON r.id = g.refund_id WHERE r.shift_id = :s "
                   "GROUP BY g.action",
    "movements": "SELECT kind, count(*), coalesce(sum(amount_minor), 0) FROM cash_movements "
                 "WHERE shift_id = :s GROUP BY kind",
    "voided_sales": "SELECT count(*) FROM tender_sales WHERE till_id = :till "
                    "AND state = 'voided' AND updated_at >= :a AND updated_at < :b",
    "overrides": "SELECT count(*) FROM overrides WHERE approved_at >= :a AND approved_at < :b",
    "queued": "SELECT count(*) FROM payment_outbox WHERE state IN "
              "('pending', 'reconcile', 'failed') AND created_at >= :a AND created_at < :b",
    # sales stamped with an earlier shift of this till, completed after its close, shown
    # on the first X/Z whose span [previous close, end) holds their completion
    "previous_close": "SELECT max(closed_at) FROM shifts WHERE till_id = :till AND id != :s "
                      "AND closed_at IS NOT NULL AND closed_at <= :a",
    "late": "SELECT z.z_no, count(*), coalesce(sum(x.total_minor), 0) FROM sales x "
            "JOIN shifts h ON h.id = x.shift_id JOIN z_reports z ON z.shift_id = h.id "
            "WHERE x.till_id = :till AND x.shift_id != :s AND x.completed_at > h.closed_at "
            "AND x.completed_at >= :p AND x.completed_at < :b GROUP BY z.z_no ORDER BY z.z_no",
    "unsettled": "SELECT count(*) FROM card_attempts WHERE till_id = :till AND state = "
                 "'needs_reconciliation' AND created_at >= :a AND created_at < :b",
}.items()}


def _one(conn: Connection, name: str, **params: Any) -> Any:
    return conn.execute(_SQL[name], params).one()


def shift_totals(conn: Connection, shift: Shift, now: datetime) -> ZReport:
    """An X report of ``shift`` as of ``now`` (the Z adds its number and the count)."""
    s = shift.shift_id
    end = shift.closed_at or now
    window = {"a": utc_text(shift.opened_at), "b": utc_text(end) + "~", "till": shift.till_id}
    sales_count, sales_total, discounts = _one(conn, "sales", s=s)
    tenders = tuple(TenderTotal(k, int(n), int(a))
                    for k, n, a in conn.execute(_SQL["tenders"], {"s": s}))
    taxes = tuple(TaxTotal(c, r, int(n), int(t), int(g))
                  for c, r, n, t, g in conn.execute(_SQL["taxes"], {"s": s}))
    cashiers = tuple(CashierTotal(c, int(n), int(t))
                     for c, n, t in conn.execute(_SQL["cashiers"], {"s": s}))
    refunds_count, refunds_total = _one(conn, "refunds", s=s)
    legs = {a: int(v) for a, v in conn.execute(_SQL["refund_legs"], {"s": s})}
    moves = {k: (int(n), int(v)) for k, n, v in conn.execute(_SQL["movements"], {"s": s})}
    by_kind = {t.kind: t.amount for t in tenders}
    cur = shift.currency

    def mv(kind: str) -> int:
        return moves.get(kind, (0, 0))[1]

    cash_refunds = legs.get("cash_out", 0)
    expected = expected_cash(Money(mv("float"), cur), Money(by_kind.get("cash", 0), cur),
                             Money(cash_refunds, cur), Money(mv("paid_in"), cur),
                             Money(mv("paid_out"), cur))
    since = _one(conn, "previous_close", s=s, **window)[0] or window["a"]
    late = tuple((int(z), int(n), int(t)) for z, n, t in conn.execute(
        _SQL["late"], {"s": s, "p": since, **window}))
    queued = (_one(conn, "queued", **window)[0]
              + _one(conn, "unsettled", **window)[0])
    return ZReport(
        till_id=shift.till_id, shift_id=s, currency=cur, opened_at=utc_text(shift.opened_at),
        generated_at=utc_text(end), sales_count=int(sales_count), sales_total=int(sales_total),
        refunds_count=int(refunds_count), refunds_total=int(refunds_total),
        voided_sales=int(_one(conn, "voided_sales", **window)[0]),
        voided_lines=int(_one(conn, "voided_lines", s=s)[0]), discounts=int(discounts),
        overrides=int(_one(conn, "overrides", **window)[0]),
        no_sales=moves.get("no_sale", (0, 0))[0], tenders=tenders, taxes=taxes,
        cashiers=cashiers, float_total=mv("float"), cash_sales=by_kind.get("cash", 0),
        cash_refunds=cash_refunds,
        card_refunds=legs.get("card_refund", 0) + legs.get("card_cancel", 0),
        paid_in=mv("paid_in"), paid_out=mv("paid_out"), expected_cash=expected.minor,
        counted_cash=None if shift.counted is None else shift.counted.minor,
        card_total=by_kind.get("card", 0), card_queued=int(queued),
        card_queued_accepted_by=shift.queued_card_accepted_by, late=late,
    )
