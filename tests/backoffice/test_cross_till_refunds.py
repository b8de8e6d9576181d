"""Cross-till refunds at the till (issue 14) against the real server: T01 sells, T02 refunds
part of it (cash from T02's drawer), another till cannot refund the same units again; a crash
between the local commit and the confirm is settled by the job; offline says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ireti_till.adapters.backoffice_feed import SqlFeedStore
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.refunds_remote_repo import SqlRemoteRefundLog
from ireti_till.adapters.db.report_rows import SqlReportRows
from ireti_till.adapters.refund_wiring import SqlRefundUnitOfWorkFactory, build_refund_service
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.domain.errors import AuthorisationError, BackofficeError
from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import LegAction, RefundMatrix, RefundRule, default_matrix
from ireti_till.domain.sale import Tender
from ireti_till.server.schema import refund_reservations
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from ireti_till.services.refund_remote import RemoteRefunds
from ireti_till.services.refund_remote_ports import RemoteState
from ireti_till.services.refunds import RefundRequest
from tests.backoffice.helpers import make_sale


class At:
    """One till's refund side: the service, the cross-till helper, a cashier."""

    def __init__(self, till: Any, data_dir: Path, grace_s: float = 300.0,
                 matrix: RefundMatrix | None = None) -> None:
        clock = SystemClock()
        staff = self.staff = build_staff_context(till.ledger.engine, data_dir, training=True,
                                                 till_id=till.till_id, clock=clock)
        staff.staff.ensure_demo_staff()
        self.people = {m.name: m for m in staff.staff.users()}
        self.ada = self.people["Ada (training)"]
        self.service = build_refund_service(till.ledger.engine, staff.audit, staff.overrides,
                                            till_id=till.till_id,
                                            matrix=matrix or default_matrix("EUR"), clock=clock)
        self.log = SqlRemoteRefundLog(till.ledger.engine)
        self.cross = CrossTillRefunds(till.factory)
        self.remote = RemoteRefunds(self.service, SqlRefundUnitOfWorkFactory(till.ledger.engine),
                                    lambda: self.cross, self.log, clock, grace_s=grace_s)
        self.till = till

    def refunds(self) -> int:
        with self.till.ledger.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM refunds").scalar_one())


def _sold(t1: Any, tenders: tuple[Tender, ...] | None = None) -> Any:
    sale = make_sale("T01", lines=2, qty=2)  # 2 x 1.50 on each line: 6.00
    if tenders is not None:
        from dataclasses import replace

        sale = replace(sale, tenders=tenders, change=Money(0, "EUR"))
    with t1.ledger.uow_factory() as uow:
        sale = uow.sales.add(sale)
        uow.commit()
    assert t1.sync.run_once() is not None
    return sale


def _states(engine: Engine, ref: str) -> set[str]:
    """States of the reservations of refund ``ref`` ("%": of every refund)."""
    with engine.connect() as conn:
        return set(conn.execute(select(refund_reservations.c.state).where(
            refund_reservations.c.refund_ref.like(ref))).scalars())


def test_t02_refunds_part_of_a_t01_sale_and_t03_cannot_refund_it_again(
        make_till, server_url, server_engine: Engine, tmp_path: Path) -> None:
    t1, t2, t3 = (make_till(t, server_url) for t in ("T01", "T02", "T03"))
    sale = _sold(t1)
    at2, at3 = At(t2, tmp_path / "T02"), At(t3, tmp_path / "T03")
    assert at2.remote.claims(f" t01-{sale.receipt_no:06d} ") and not at2.remote.claims("T02-1")
    found = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    view = found.view()
    assert found.origin == "T01" and [ln.left_qty for ln in view.lines] == [2, 2]
    record = found.refund(RefundRequest.for_lines(sale.sale_id, {1: 1}), "wrong size", at2.ada)
    assert record.till_id == "T02" and record.sale_id == sale.sale_id
    assert [(leg.action, leg.amount.minor) for leg in record.legs] == [(LegAction.CASH_OUT, 150)]
    entry = at2.log.get(record.refund_id)
    assert entry is not None and entry.state is RemoteState.CONFIRMED
    assert entry.origin_till == "T01" and entry.lines == ((1, 1),) and entry.legs == ((1, 150),)
    assert _states(server_engine, str(record.refund_id)) == {"confirmed"}
    # T03 sees one unit of line 1 left, and cannot take two
    again = at3.remote.find(f"T01-{sale.receipt_no:06d}")
    assert [ln.left_qty for ln in again.view().lines] == [1, 2]
    with pytest.raises(BackofficeError) as refused:
        again.refund(RefundRequest.for_lines(sale.sale_id, {1: 2}), "faulty", at3.ada)
    assert refused.value.code == "IT-711"
    assert at3.refunds() == 0  # nothing paid out
    assert [e.state for e in at3.log.unsettled()] == []
    # T01 itself cannot refund the unit T02 refunded either: its own refunds reserve too
    at1 = At(t1, tmp_path / "T01")
    with pytest.raises(BackofficeError) as refused:
        at1.remote.own(RefundRequest.for_lines(sale.sale_id, {1: 2}), "faulty", at1.ada)
    assert refused.value.code == "IT-711" and at1.refunds() == 0
    mine = at1.remote.own(RefundRequest.for_lines(sale.sale_id, {1: 1}), "faulty", at1.ada)
    assert _states(server_engine, str(mine.refund_id)) == {"confirmed"}
    assert [ln.left_qty for ln in at3.remote.find(f"T01-{sale.receipt_no:06d}").view().lines
            ] == [0, 2]
    # the refund travels in T02's feed as a refund of T02, naming the sale of T01
    with t2.ledger.engine.connect() as conn:
        payloads = [json.loads(p) for (p,) in conn.exec_driver_sql(
            "SELECT payload FROM bo_feed WHERE kind = 'refund'")]
    assert [(p["till_id"], p["sale_id"]) for p in payloads] == [("T02", str(sale.sale_id))]
    with t2.ledger.engine.connect() as conn:
        fed = [json.loads(p) for (p,) in conn.exec_driver_sql(
            "SELECT payload FROM bo_feed WHERE kind = 'remote_refund' ORDER BY id")]
    assert [(p["refund_id"], p["origin_till"], p["receipt_no"], p["state"]) for p in fed] == [
        (str(record.refund_id), "T01", sale.receipt_no, s)
        for s in ("reserving", "confirm", "confirmed")]
    assert all("sale_json" not in p for p in fed)
    assert t2.sync.run_once() is not None and t2.sync.status(True).waiting == 0
    # T02's report rows: a refund of T02 (its drawer), naming the till and receipt it refunds
    with t2.ledger.engine.connect() as conn:
        rows = list(SqlReportRows(conn).rows("refunds"))
    assert [(r["till_id"], r["cash_minor"], r["sale_till_id"], r["sale_receipt_no"])
            for r in rows] == [("T02", 150, "T01", sale.receipt_no)]


def test_a_card_leg_is_queued_for_stripe_by_the_payment_intent(make_till, server_url,
                                                               tmp_path: Path) -> None:
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    eur = Money(600, "EUR")
    sale = _sold(t1, (Tender("card", eur, eur, Money(0, "EUR"), "pi_remote_1", "visa", "4242"),))
    at2 = At(t2, tmp_path / "T02")
    found = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    record = found.refund(RefundRequest.for_lines(sale.sale_id, {2: 1}), "faulty", at2.ada)
    assert [(leg.action, leg.amount.minor, leg.card_last4) for leg in record.legs] == [
        (LegAction.CARD_REFUND, 150, "4242")]
    with t2.ledger.engine.connect() as conn:
        ops = conn.exec_driver_sql("SELECT kind, intent_id, amount_minor, attempt_id, idem_key "
                                   "FROM payment_outbox").all()
    assert [tuple(o) for o in ops] == [("refund", "pi_remote_1", 150, None,
                                        f"{record.refund_id}:refund")]


def test_a_crash_before_the_confirm_is_settled_by_the_job(make_till, server_url,
                                                          server_engine: Engine,
                                                          tmp_path: Path) -> None:
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    sale = _sold(t1)
    at2 = At(t2, tmp_path / "T02", grace_s=0)
    down = {"on": True, "lose_answer": False}

    class Flaky(CrossTillRefunds):
        def confirm(self, refund_id: Any) -> None:
            if down["on"]:
                raise BackofficeError("gone", code="IT-712")
            super().confirm(refund_id)

        def reserve(self, refund_id: Any, sale_id: str, lines: dict[int, int],
                    legs: dict[int, int] | None = None) -> None:
            super().reserve(refund_id, sale_id, lines, legs)
            if down["lose_answer"]:  # reserved on the server, but the answer is lost
                raise BackofficeError("gone", code="IT-712")

    at2.cross = Flaky(t2.factory)
    found = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    record = found.refund(RefundRequest.for_lines(sale.sale_id, {1: 2}), "faulty", at2.ada)
    assert at2.log.get(record.refund_id).state is RemoteState.CONFIRM  # type: ignore[union-attr]
    assert _states(server_engine, str(record.refund_id)) == {"reserved"}
    # a crash just after the local commit: the row still says "reserving"
    at2.log.move(record.refund_id, (RemoteState.CONFIRM,), RemoteState.RESERVING,
                 SystemClock().now())
    assert at2.remote.settle().waiting == 1  # server still away
    down["on"] = False
    result = at2.remote.settle()
    assert (result.confirmed, result.waiting) == (1, 0)
    assert _states(server_engine, str(record.refund_id)) == {"confirmed"}
    assert at2.remote.settle().confirmed == 0  # nothing left to do
    # a reservation whose refund never reached the ledger is released
    again = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    down["on"] = True

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("power cut")

    again.service.refund = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        again.refund(RefundRequest.for_lines(sale.sale_id, {2: 1}), "faulty", at2.ada)
    assert at2.refunds() == 1
    assert [e.state for e in at2.log.unsettled()] == []  # released at once (online)
    assert [ln.refundable for ln in at2.cross.find(sale_id=str(sale.sale_id)).lines] == [0, 2]
    # the answer to the reservation is lost: nothing is paid out, the job releases it
    down["lose_answer"] = True
    lost = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    with pytest.raises(BackofficeError) as e:
        lost.refund(RefundRequest.for_lines(sale.sale_id, {2: 2}), "faulty", at2.ada)
    assert e.value.code == "IT-716" and at2.refunds() == 1
    assert [ln.refundable for ln in at2.cross.find(sale_id=str(sale.sale_id)).lines] == [0, 0]
    assert [x.state for x in at2.log.unsettled()] == [RemoteState.RELEASE]
    assert at2.remote.settle().released == 1
    assert [ln.refundable for ln in at2.cross.find(sale_id=str(sale.sale_id)).lines] == [0, 2]


def test_offline_says_so_and_records_nothing(make_till, server_url, tmp_path: Path) -> None:
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    sale = _sold(t1)
    at2 = At(t2, tmp_path / "T02")
    SqlFeedStore(t2.ledger.engine).set_state("url", "http://127.0.0.1:9")  # nothing there
    with pytest.raises(BackofficeError) as e:
        at2.remote.find(f"T01-{sale.receipt_no:06d}")
    assert e.value.code == "IT-714" and "back office is not reachable" in e.value.message
    assert at2.refunds() == 0 and at2.log.unsettled() == []
    # the till that sold it refunds its own sale offline all the same (settled later)
    at1 = At(t1, tmp_path / "T01")
    SqlFeedStore(t1.ledger.engine).set_state("url", "http://127.0.0.1:9")
    mine = at1.remote.own(RefundRequest.for_lines(sale.sale_id, {1: 1}), "faulty", at1.ada)
    assert at1.refunds() == 1
    assert [e.refund_id for e in at1.log.unsettled()] == [mine.refund_id]
    alone = RemoteRefunds(at2.service, SqlRefundUnitOfWorkFactory(t2.ledger.engine),
                          lambda: None, at2.log, SystemClock())
    with pytest.raises(BackofficeError) as e:
        alone.find(f"T01-{sale.receipt_no:06d}")
    assert e.value.code == "IT-714" and "not enrolled" in e.value.message


def test_the_approval_matrix_applies_as_for_a_local_refund(make_till, server_url,
                                                           server_engine: Engine,
                                                           tmp_path: Path) -> None:
    t1, t2 = make_till("T01", server_url), make_till("T02", server_url)
    sale = _sold(t1)
    limit = RefundMatrix("EUR", (RefundRule("over cashier limit 2", amount_over=Money(200, "EUR")),
                                 RefundRule("other till", other_till=True, refuse=True)))
    at2 = At(t2, tmp_path / "T02", matrix=limit)
    found = at2.remote.find(f"T01-{sale.receipt_no:06d}")
    request = RefundRequest.for_lines(sale.sale_id, {1: 2})  # 3.00: over the limit
    quote = found.service.quote(request, at2.ada)
    assert quote.needs_approval and quote.decision.rules == ("over cashier limit 2",)
    with pytest.raises(AuthorisationError) as e:  # no PIN: nothing recorded, nothing reserved
        found.refund(request, "faulty", at2.ada)
    assert e.value.code == "IT-435" and at2.refunds() == 0 and at2.log.unsettled() == []
    assert _states(server_engine, "%") == set()
    ask = found.service.approval_request(quote, at2.ada, "faulty")
    bola = at2.people["Bola (training)"]
    approval = at2.staff.overrides.approve(ask, bola.user_id, "394817")
    record = found.refund(request, "faulty", at2.ada, approval)
    assert record.approver_id == bola.user_id
    assert _states(server_engine, str(record.refund_id)) == {"confirmed"}
    # a small one needs nobody (the "other till" rule does not apply: the server reserves)
    small = found.refund(RefundRequest.for_lines(sale.sale_id, {2: 1}), "faulty", at2.ada)
    assert small.approver_id is None
