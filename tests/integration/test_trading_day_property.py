"""Property: over random days (sales, splits, refunds, voided lines, paid in/out, no sales,
crashes before a commit, restarts of the till) the Z totals = the sums of the exported rows
= the cash the drawer should hold, counted independently by the test."""

from __future__ import annotations

import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trading_day_support import SETTINGS, Clock, count, eur, sale

from ireti_till.adapters.db import report_rows  # noqa: F401
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.domain.overrides import Approval, OverrideKind
from ireti_till.domain.refund_policy import LegAction
from ireti_till.services.refund_ports import RefundLegRecord, RefundRecord
from ireti_till.services.reports import records
from ireti_till.services.shifts import ShiftService

amounts = st.integers(min_value=1, max_value=20_000)
ops = st.one_of(
    st.tuples(st.just("cash"), amounts, st.integers(0, 5000), st.integers(0, 2)),
    st.tuples(st.just("card"), amounts, st.integers(0, 300), st.integers(0, 1)),
    st.tuples(st.just("split"), amounts, amounts, st.integers(0, 1)),
    st.tuples(st.just("refund_cash"), amounts, st.just(0), st.just(0)),
    st.tuples(st.just("refund_card"), amounts, st.just(0), st.just(0)),
    st.tuples(st.just("paid_in"), amounts, st.just(0), st.just(0)),
    st.tuples(st.just("paid_out"), amounts, st.just(0), st.just(0)),
    st.tuples(st.just("no_sale"), st.just(0), st.just(0), st.just(0)),
    st.tuples(st.just("crash"), amounts, st.just(0), st.just(0)),
    st.tuples(st.just("restart"), st.just(0), st.just(0), st.just(0)),
)


class Day:
    """The ledger, the services and the test's own tally of what the drawer should hold."""

    def __init__(self, path: Path, float_notes: int) -> None:
        self.path = path
        self.clock = Clock()
        self.ledger = open_ledger(path)
        self.float = float_notes * 1000
        self.expected = self.float
        self.refund_no = 0
        self.shifts().open("ada", count(n1000=float_notes))

    def shifts(self) -> ShiftService:
        return ShiftService(self.ledger.uow_factory, self.clock, "T01", SETTINGS)

    def restart(self) -> None:
        self.ledger.close()
        self.ledger = open_ledger(self.path)

    def add_sale(self, s: Any, commit: bool = True) -> None:
        with self.ledger.uow_factory() as u:
            u.sales.add(s)
            if commit:
                u.commit()  # no commit: the till died before it, SQLite rolls back

    def refund(self, amount: int, action: LegAction) -> None:
        self.refund_no += 1
        rid = uuid.uuid4()
        record = RefundRecord(rid, "T01", self.refund_no, None, eur(amount), "faulty item",
                              "ada", "bola", None, False, (), self.clock.now(),
                              (RefundLegRecord(1, None, action, eur(amount), leg_id=rid),))
        with self.ledger.uow_factory() as u:
            u.refunds.add(record)
            u.commit()

    def apply(self, op: tuple[str, int, int, int]) -> None:
        kind, a, b, c = op
        when = self.clock.now()
        if kind == "cash":
            self.add_sale(sale(a, cash=a, tendered=a + b, voided_lines=c, when=when))
            self.expected += a
        elif kind == "card":
            self.add_sale(sale(a, card=a, discount=b, voided_lines=c, when=when,
                               cashier="bob"))
        elif kind == "split":
            self.add_sale(sale(a + b, cash=a, card=b, voided_lines=c, when=when))
            self.expected += a
        elif kind == "refund_cash" and a <= self.expected:
            self.refund(a, LegAction.CASH_OUT)
            self.expected -= a
        elif kind == "refund_card":
            self.refund(a, LegAction.CARD_REFUND)
        elif kind == "paid_in":
            self.shifts().paid_in("ada", eur(a), "change from bank", _approval(a))
            self.expected += a
        elif kind == "paid_out" and a <= self.expected:
            self.shifts().paid_out("ada", eur(a), "supplier", _approval(a))
            self.expected -= a
        elif kind == "no_sale":
            self.shifts().no_sale("ada")
        elif kind == "crash":
            self.add_sale(sale(a, cash=a, when=when), commit=False)
        elif kind == "restart":
            self.restart()


def _approval(amount: int) -> Approval:
    return Approval(uuid.uuid4(), OverrideKind.PAID_ABOVE_LIMIT, "ada", "bola", "Bola",
                    "checked", eur(amount), None, Clock().now())


def total(rows: list[dict[str, Any]], key: str, **where: str) -> int:
    return sum(int(Decimal(r[key]) * 100) for r in rows
               if all(r[k] == v for k, v in where.items()))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(float_notes=st.integers(0, 20), day=st.lists(ops, max_size=25),
       counted_delta=st.integers(-300, 300))
def test_z_equals_the_exported_rows_equals_cash_expected(
        float_notes: int, day: list[tuple[str, int, int, int]], counted_delta: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Day(Path(tmp), float_notes)
        try:
            for op in day:
                d.apply(op)
            x = d.shifts().x_report()
            shift_id = x.shift_id
            counted = max(0, d.expected + counted_delta)
            z = d.shifts().close("ada", count(n1=counted), reason="counted twice",
                                 approval=Approval(uuid.uuid4(), OverrideKind.CASH_OVER_SHORT,
                                                   "ada", "bola", "Bola", "ok", None, None,
                                                   d.clock.now()))
            uow = d.ledger.read_uow
            sales = records(uow, "sales", shift_id=shift_id)  # type: ignore[arg-type]
            refunds = records(uow, "refunds", shift_id=shift_id)  # type: ignore[arg-type]
            cash = records(uow, "cash", shift_id=shift_id)  # type: ignore[arg-type]
            [stored] = records(uow, "z", shift_id=shift_id)  # type: ignore[arg-type]
        finally:
            d.ledger.close()
    assert z.expected_cash == x.expected_cash == d.expected
    assert z.counted_cash == counted and z.over_short == counted - d.expected
    assert z.sales_count == len(sales)
    assert z.sales_total == total(sales, "total")
    assert z.cash_sales == total(sales, "cash")
    assert z.card_total == total(sales, "card")
    assert z.discounts == total(sales, "discount_total")
    assert z.voided_lines == sum(r["voided_lines"] for r in sales)
    assert z.refunds_total == total(refunds, "amount")
    assert z.cash_refunds == total(refunds, "cash")
    assert z.card_refunds == total(refunds, "card")
    assert z.paid_in == total(cash, "amount", kind="paid_in")
    assert z.paid_out == total(cash, "amount", kind="paid_out")
    assert z.float_total == total(cash, "amount", kind="float") == d.float
    assert z.no_sales == sum(1 for r in cash if r["kind"] == "no_sale")
    assert z.expected_cash == (total(cash, "amount", kind="float") + total(sales, "cash")
                               - total(refunds, "cash") + z.paid_in - z.paid_out)
    assert sum(t.gross for t in z.taxes) == z.sales_total
    assert sum(c.total for c in z.cashiers) == z.sales_total
    assert stored["z_no"] == 1 and stored["expected_cash"] == str(
        Decimal(z.expected_cash).scaleb(-2))
