"""Shifts on a real ledger: open, paid in/out, no sale, X, blind close, Z, the rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from trading_day_support import SETTINGS, Clock, approval, count, eur, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.overrides import OverrideKind
from ireti_till.domain.shift import ApprovalNeeded, ShiftError, ShiftState, make_count
from ireti_till.services.shifts import ShiftService


class Drawer:
    def __init__(self) -> None:
        self.kicks: list[str] = []

    def kick(self, reason: str) -> None:
        self.kicks.append(reason)


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def drawer() -> Drawer:
    return Drawer()


@pytest.fixture
def shifts(ledger: Ledger, drawer: Drawer) -> ShiftService:
    return ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS, drawer=drawer)


def add(ledger: Ledger, *sales: object) -> None:
    with ledger.uow_factory() as u:
        for s in sales:
            u.sales.add(s)  # type: ignore[arg-type]
        u.commit()


def test_sales_are_refused_until_a_shift_is_open(shifts: ShiftService) -> None:
    with pytest.raises(ShiftError) as err:
        shifts.require_open_shift()
    assert err.value.code == "IT-601"
    shift = shifts.open("ada", count(n2000=2, n500=2))
    assert shift.state is ShiftState.OPEN and shift.float_amount == eur(5000)
    assert shifts.require_open_shift().shift_id == shift.shift_id
    assert shifts.current_shift_id() == shift.shift_id
    with pytest.raises(ShiftError) as again:
        shifts.open("ada", count())
    assert again.value.code == "IT-602"


def test_sales_and_refund_rows_are_stamped_with_the_open_shift(
        ledger: Ledger, shifts: ShiftService) -> None:
    add(ledger, sale(500, cash=500))
    shift = shifts.open("ada", count())
    add(ledger, sale(700, cash=700))
    conn = sqlite3.connect(ledger.path)
    stamped = conn.execute("SELECT total_minor, shift_id FROM sales "
                           "ORDER BY total_minor").fetchall()
    assert stamped == [(500, None), (700, shift.shift_id)]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE sales SET shift_id = 'x' WHERE total_minor = 700")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE sales SET total_minor = 1 WHERE total_minor = 500")
    conn.close()


def test_expected_cash_counts_net_cash_never_change(ledger: Ledger, shifts: ShiftService,
                                                    drawer: Drawer) -> None:
    shifts.open("ada", count(n1000=10))  # float 100.00
    add(ledger, sale(1250, cash=1250, tendered=2000),  # 7.50 change goes back out
        sale(3000, cash=1000, tendered=1000, card=2000),
        sale(999, card=999, cashier="bob", voided_lines=1, discount=100))
    shifts.paid_in("ada", eur(2000), "change from the bank")
    shifts.paid_out("ada", eur(450), "window cleaner")
    shifts.no_sale("ada")
    x = shifts.x_report()
    assert x.cash_sales == 2250 and x.card_total == 2999
    assert x.expected_cash == 10000 + 2250 + 2000 - 450
    assert (x.sales_count, x.sales_total, x.discounts, x.voided_lines) == (3, 5249, 100, 1)
    assert x.no_sales == 1 and x.paid_in == 2000 and x.paid_out == 450
    assert [(c.cashier, c.sales) for c in x.cashiers] == [("ada", 2), ("bob", 1)]
    assert {t.kind: (t.count, t.amount) for t in x.tenders} == {"cash": (2, 2250),
                                                                "card": (2, 2999)}
    assert drawer.kicks == ["paid_in", "paid_out", "no_sale"]
    assert x.z_no is None and x.counted_cash is None


def test_paid_out_above_the_drawer_or_the_limit_is_refused_and_changes_nothing(
        shifts: ShiftService) -> None:
    shifts.open("ada", count(n1000=1))
    with pytest.raises(ShiftError) as err:
        shifts.paid_out("ada", eur(1001), "too much")
    assert err.value.code == "IT-606"
    shifts.paid_in("ada", eur(9000), "bank", approval(OverrideKind.PAID_ABOVE_LIMIT, eur(9000)))
    with pytest.raises(ApprovalNeeded) as need:
        shifts.paid_out("ada", eur(6000), "supplier")
    assert need.value.code == "IT-607"
    with pytest.raises(ApprovalNeeded):  # an approval for less does not cover more
        shifts.paid_out("ada", eur(6000), "supplier",
                        approval(OverrideKind.PAID_ABOVE_LIMIT, eur(5500)))
    for bad in (eur(0), eur(-5)):
        with pytest.raises(InputError):
            shifts.paid_out("ada", bad, "nothing")
    assert shifts.x_report().expected_cash == 10000


@pytest.mark.parametrize("typed", ["-1", "1.5", "abc", "1e3", "٣", "100001"])
def test_bad_counts_are_refused_with_their_code(typed: str) -> None:
    with pytest.raises(InputError) as err:
        make_count(SETTINGS, {2000: typed})
    assert err.value.code == "IT-604"


def test_an_unknown_denomination_is_refused() -> None:
    with pytest.raises(InputError) as err:
        make_count(SETTINGS, {300: "1"})
    assert err.value.code == "IT-605"


def test_blind_close_balanced_writes_a_numbered_immutable_z(
        ledger: Ledger, shifts: ShiftService) -> None:
    shifts.open("ada", count(n1000=5))
    add(ledger, sale(1500, cash=1500, tendered=2000))
    closing = shifts.begin_close("ada")
    assert closing.state is ShiftState.CLOSING
    with pytest.raises(ShiftError):
        shifts.require_open_shift()
    z = shifts.close("ada", count(n1000=6, n500=1))
    assert (z.z_no, z.expected_cash, z.counted_cash, z.over_short) == (1, 6500, 6500, 0)
    assert shifts.current() is None
    conn = sqlite3.connect(ledger.path)
    for sql in ("UPDATE z_reports SET body_json = '{}'", "DELETE FROM z_reports",
                "UPDATE shifts SET counted_minor = 1", "DELETE FROM shifts",
                "DELETE FROM cash_movements", "UPDATE cash_counts SET quantity = 9"):
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute(sql)
    conn.close()
    shifts.open("ada", carry_over=True)
    assert shifts.current().float_amount == eur(6500)  # type: ignore[union-attr]
    z2 = shifts.close("ada", count(n1000=6, n500=1))
    assert z2.z_no == 2 and z2.float_total == 6500 and z2.sales_count == 0


def test_over_short_beyond_tolerance_needs_reason_and_supervisor(
        ledger: Ledger, shifts: ShiftService) -> None:
    shifts.open("ada", count(n1000=5))
    short = count(n1000=4)  # 10.00 short, tolerance 5.00
    with pytest.raises(InputError) as no_reason:
        shifts.close("ada", short)
    assert no_reason.value.code == "IT-609"
    with pytest.raises(ApprovalNeeded) as need:
        shifts.close("ada", short, reason="note missing")
    assert need.value.code == "IT-609"
    assert shifts.current().state is ShiftState.OPEN  # type: ignore[union-attr]
    z = shifts.close("ada", short, reason="note missing",
                     approval=approval(OverrideKind.CASH_OVER_SHORT))
    assert z.over_short == -1000
    assert "Over/short" in "\n".join(__import__("ireti_till.domain.zreport",
                                                fromlist=["x"]).report_lines(z))


def test_close_with_queued_card_work_needs_acceptance_and_the_z_says_so(
        ledger: Ledger, shifts: ShiftService) -> None:
    shift = shifts.open("ada", count())
    conn = sqlite3.connect(ledger.path)
    conn.execute(
        "INSERT INTO payment_outbox (op_id, kind, params_json, idem_key, key_generation, state,"
        " tries, next_at, created_at, updated_at) VALUES ('op1', 'capture', '{}', 'k:capture',"
        " 0, 'pending', 0, ?, ?, ?)", (shift.opened_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),) * 3)
    conn.commit()
    conn.close()
    with pytest.raises(ApprovalNeeded) as need:
        shifts.close("ada", count())
    assert need.value.code == "IT-610"
    z = shifts.close("ada", count(),
                     card_queued_approval=approval(OverrideKind.CLOSE_CARD_QUEUED))
    assert z.card_queued == 1 and z.card_queued_accepted_by == "bola"


def test_every_shown_code_is_documented() -> None:
    doc = Path(__file__).parents[2].joinpath("docs", "troubleshooting.md").read_text()
    for code in ("IT-601", "IT-602", "IT-603", "IT-604", "IT-605", "IT-606", "IT-607",
                 "IT-608", "IT-609", "IT-610", "IT-611", "IT-612", "IT-620", "IT-621",
                 "IT-622", "IT-623", "IT-624", "IT-626", "IT-627", "IT-640", "IT-641",
                 "IT-642", "IT-650", "IT-651", "IT-652", "IT-660"):
        assert f"IT-{code[3:]}" in doc, code
    assert issubclass(ShiftError, TillError)


def test_a_sale_still_being_paid_stops_the_close(ledger: Ledger, shifts: ShiftService) -> None:
    shift = shifts.open("ada", count())
    conn = sqlite3.connect(ledger.path)
    stamp = shift.opened_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn.execute("INSERT INTO tender_sales (sale_id, till_id, currency, total_minor, state, "
                 "sale_json, created_at, updated_at) VALUES ('s1', 'T01', 'EUR', 500, 'open', "
                 "'{}', ?, ?)", (stamp, stamp))
    conn.commit()
    with pytest.raises(ShiftError) as err:
        shifts.close("ada", count())
    assert err.value.code == "IT-612"
    assert shifts.current().state is ShiftState.OPEN  # type: ignore[union-attr]
    conn.execute("UPDATE tender_sales SET state = 'voided', updated_at = ? WHERE sale_id = 's1'",
                 (stamp,))
    conn.commit()
    conn.close()
    assert shifts.close("ada", count()).voided_sales == 1
