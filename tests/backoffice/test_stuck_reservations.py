"""A reservation its till will never settle (the till is gone with its disk) blocks the
units it holds; an admin settles it with ``ireti-till server refund-release REF``: released
if the refund never reached the back office, confirmed if it did. And a refund that reached
the feed is counted even when its reservation was released."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from ireti_till.domain.errors import BackofficeError
from ireti_till.server import refunds
from ireti_till.server.schema import audit, refund_leg_reservations, refund_reservations
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from ireti_till.services.refunds import RefundRequest
from tests.backoffice.helpers import ROOT, ring
from tests.backoffice.test_cross_till_refunds import At, _sold


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ireti_till", "server", "--database-url",
                           db_url, "refund-release", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)


def _force_state(engine: Engine, ref: str, state: str) -> None:
    """Put every row reserved under ``ref`` (units and money) in ``state``, as a test's
    premise."""
    with engine.begin() as conn:
        for table in (refund_reservations, refund_leg_reservations):
            conn.execute(update(table).where(table.c.refund_ref == ref).values(state=state))


def test_an_admin_releases_the_reservation_of_a_till_that_is_gone(
        make_till, server_url, server_engine: Engine, db_url: str) -> None:
    t1, t2, t3 = (make_till(t, server_url) for t in ("T01", "T02", "T03"))
    sale = ring(t1.ledger, "T01", 1, lines=1, qty=1)[0]
    t1.sync.run_once()
    ref = uuid.uuid4()
    CrossTillRefunds(t2.factory).reserve(ref, str(sale.sale_id), {1: 1}, {1: 150})
    # T02 dies here; its reservation holds the unit and the money
    r3 = CrossTillRefunds(t3.factory)
    with pytest.raises(BackofficeError) as held:
        r3.reserve(uuid.uuid4(), str(sale.sale_id), {1: 1})
    assert held.value.code == "IT-711"

    done = _cli(db_url, str(ref))
    assert done.returncode == 0, done.stderr
    assert f"reservation {ref} of till T02" in done.stdout and "released" in done.stdout
    with server_engine.connect() as conn:
        states = set(conn.execute(select(refund_reservations.c.state).where(
            refund_reservations.c.refund_ref == str(ref))).scalars()) | set(conn.execute(
            select(refund_leg_reservations.c.state).where(
                refund_leg_reservations.c.refund_ref == str(ref))).scalars())
        audited = conn.execute(select(audit.c.actor, audit.c.details).where(
            audit.c.action == "refund.reservation_settled")).all()
    assert states == {"released"}
    assert [(a, d["refund_ref"], d["outcome"], d["till_id"]) for a, d in audited] == [
        ("cli", str(ref), "released", "T02")]
    found = r3.find(sale_id=str(sale.sale_id))
    assert [ln.refundable for ln in found.lines] == [1]
    assert [t.refundable_minor for t in found.tenders] == [150]
    r3.reserve(uuid.uuid4(), str(sale.sale_id), {1: 1}, {1: 150})  # now it can

    again = _cli(db_url, str(ref))  # settled already
    assert again.returncode == 2 and "IT-704" in again.stderr
    unknown = _cli(db_url, "no-such-refund")
    assert unknown.returncode == 2 and "IT-704" in unknown.stderr


def test_a_refund_that_reached_the_feed_counts_even_with_its_reservation_released(
        make_till, server_url, server_engine: Engine, tmp_path: Path) -> None:
    t1, t2, t3 = (make_till(t, server_url) for t in ("T01", "T02", "T03"))
    sale = _sold(t1)
    at2, at3 = At(t2, tmp_path / "T02"), At(t3, tmp_path / "T03")
    record = at2.remote.find(f"T01-{sale.receipt_no:06d}").refund(
        RefundRequest.for_lines(sale.sale_id, {1: 1}), "wrong size", at2.ada)
    assert t2.sync.run_once() is not None  # the refund reaches the feed
    ref = str(record.refund_id)
    _force_state(server_engine, ref, "released")  # as if an admin had released it by mistake
    view = at3.remote.find(f"T01-{sale.receipt_no:06d}").view()
    assert [ln.left_qty for ln in view.lines] == [1, 2]  # the feed's refund still counts

    _force_state(server_engine, ref, "reserved")  # still waiting, as its till went away
    done = refunds.release_stuck(server_engine, ref, "admin")
    assert done["outcome"] == "confirmed" and done["lines"] == {1: 1}
    view = at3.remote.find(f"T01-{sale.receipt_no:06d}").view()
    assert [ln.left_qty for ln in view.lines] == [1, 2]
