"""A refund of this till's own sale by a typed amount is reserved on the back office too
(the money per payment, no units), so another till cannot pay the same money out again; a
reservation of money only is listed on the fleet page and settled like any other."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import RefundRefused
from ireti_till.server import dashboard, refunds
from ireti_till.server.schema import refund_leg_reservations, refund_reservations
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from ireti_till.services.refunds import RefundRequest
from tests.backoffice.test_cross_till_refunds import At, _sold


def _held(engine: Engine, ref: str) -> tuple[list[tuple[int, int, str]], int]:
    """(tender_seq, amount, state) of the money reserved under ``ref``; its unit rows."""
    with engine.connect() as conn:
        legs = [(int(n), int(a), str(s)) for n, a, s in conn.execute(select(
            refund_leg_reservations.c.tender_seq, refund_leg_reservations.c.amount_minor,
            refund_leg_reservations.c.state).where(
            refund_leg_reservations.c.refund_ref == ref))]
        units = len(conn.execute(select(refund_reservations.c.id).where(
            refund_reservations.c.refund_ref == ref)).all())
    return legs, units


def test_an_amount_refund_of_an_own_sale_reserves_the_money(
        make_till, server_url, server_engine: Engine, tmp_path: Path) -> None:
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    sale = _sold(t1)  # 6.00, paid in cash (tender 1)
    at1, at2 = At(t1, tmp_path / "T01"), At(t2, tmp_path / "T02")
    record = at1.remote.own(RefundRequest(sale.sale_id, Money(500, "EUR")), "goodwill",
                            at1.ada)
    assert sum(leg.amount.minor for leg in record.legs) == 500 and at1.refunds() == 1
    assert _held(server_engine, str(record.refund_id)) == ([(1, 500, "confirmed")], 0)
    # T02 sees the units still there but only 1.00 of the money: one unit (1.50) is refused
    found = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    assert [ln.left_qty for ln in found.view().lines] == [2, 2]
    with pytest.raises(RefundRefused) as refused:
        found.refund(RefundRequest.for_lines(sale.sale_id, {1: 1}), "faulty", at2.ada)
    assert refused.value.code == "IT-444" and "Only €1.00" in refused.value.message
    # and had T02 looked before T01's refund, the server refuses the money itself
    with pytest.raises(BackofficeError) as raced:
        CrossTillRefunds(t2.factory).reserve(uuid.uuid4(), str(sale.sale_id), {1: 1}, {1: 150})
    assert raced.value.code == "IT-711" and at2.refunds() == 0


def test_money_only_reservations_are_listed_and_settled_by_an_admin(
        make_till, server_url, server_engine: Engine) -> None:
    t1 = make_till("T01", server_url)
    sale = _sold(t1)
    ref = uuid.uuid4()
    CrossTillRefunds(t1.factory).reserve(ref, str(sale.sale_id), {}, {1: 200})
    CrossTillRefunds(t1.factory).reserve(ref, str(sale.sale_id), {}, {1: 200})  # a retry
    with pytest.raises(BackofficeError) as empty:  # neither units nor money
        CrossTillRefunds(t1.factory).reserve(uuid.uuid4(), str(sale.sale_id), {}, {})
    assert empty.value.code == "IT-704"
    rows = [r for r in dashboard.board(server_engine).refunds if r["ref"] == str(ref)]
    assert [(r["till"], r["line"], r["state"]) for r in rows] == [("T01", "by amount",
                                                                    "pending")]
    done = refunds.release_stuck(server_engine, str(ref), "admin")
    assert done["outcome"] == "released" and done["lines"] == {} and done["till_id"] == "T01"
    assert _held(server_engine, str(ref)) == ([(1, 200, "released")], 0)
    assert not [r for r in dashboard.board(server_engine).refunds if r["ref"] == str(ref)]
