"""Issue 13 item 11: refund by receipt with "-" in the till id; the cashier's daily refund
limit resets at the shop's local midnight, not UTC's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_refund_service import PINS, Clock, Env, eur, ring  # noqa: F401

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.bootstrap.refunds import build_refund_service
from ireti_till.domain.refund_policy import default_matrix, parse_receipt_code, shop_midnight
from ireti_till.services.refunds import RefundRequest, RefundService

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("text", "parsed"), [
    ("T01-000042", ("T01", 42)),
    ("SHOP-1-000001", ("SHOP-1", 1)),
    ("A-B-C-7", ("A-B-C", 7)),
    ("T01-000042\n", None),
    ("T01000042", None),
    ("-000042", None),
])
def test_receipt_codes_split_at_the_last_dash(text: str, parsed: tuple[str, int] | None) -> None:
    assert parse_receipt_code(text) == parsed


def test_shop_midnight_is_local() -> None:
    evening = datetime(2026, 11, 26, 23, 40, tzinfo=UTC)  # 18:40 in New York
    assert shop_midnight(evening, NEW_YORK) == datetime(2026, 11, 26, 0, 0, tzinfo=NEW_YORK)
    after_utc_midnight = evening + timedelta(minutes=34)  # 19:14 New York, next UTC day
    assert shop_midnight(after_utc_midnight, NEW_YORK) == shop_midnight(evening, NEW_YORK)


def _env(data_dir: Path, till_id: str, clock: Clock) -> Iterator[Env]:
    engine = make_engine(data_dir / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    staff = build_staff_context(engine, data_dir, training=True, till_id=till_id, clock=clock)
    staff.staff.ensure_demo_staff()
    people = {m.name: m for m in staff.staff.users()}
    service = build_refund_service(engine, staff.audit, staff.overrides, till_id=till_id,
                                   matrix=default_matrix("EUR"), clock=clock)
    yield Env(engine, staff, service, clock, people)
    engine.dispose()


def test_refund_by_receipt_on_a_till_with_a_dash(data_dir: Path) -> None:
    for env in _env(data_dir, "SHOP-1", Clock()):
        sale = ring(env, [("Mug", 1, 1000)], [("cash", 1000, "")], till="SHOP-1")
        assert sale.receipt_code.startswith("SHOP-1-")
        assert env.service.find(sale.receipt_code).sale.sale_id == sale.sale_id


def test_the_daily_limit_spans_utc_midnight_in_new_york(data_dir: Path) -> None:
    clock = Clock()
    clock.t = datetime(2026, 11, 26, 23, 40, tzinfo=UTC)  # 18:40 New York
    for env in _env(data_dir, "T01", clock):
        service = RefundService(env.service._uow, env.staff.audit, clock, "T01",
                                default_matrix("EUR"), env.staff.overrides, tz=NEW_YORK)
        ada = env.people["Ada (training)"]
        for _ in range(4):  # 4 x 45.00 = 180.00 before UTC midnight
            sale = ring(env, [("Mug", 1, 4500)], [("cash", 4500, "")], when=clock.t)
            service.refund(RefundRequest(sale.sale_id, eur(4500)), "faulty", ada)
            clock.t += timedelta(minutes=5)
        clock.t = datetime(2026, 11, 27, 0, 14, tzinfo=UTC)  # 19:14 New York, same shop day
        sale = ring(env, [("Mug", 1, 4500)], [("cash", 4500, "")], when=clock.t)
        quote = service.quote(RefundRequest(sale.sale_id, eur(4500)), ada)
        assert quote.needs_approval
        assert "cashier's refunds today over 200" in quote.decision.rules
