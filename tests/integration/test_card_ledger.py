"""The payment tables: migration 0004 matches the models, and the repository round-trips."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ireti_till.adapters.db import models_payments
from ireti_till.adapters.db.base import Base
from ireti_till.adapters.db.migrate import import_all_models
from ireti_till.adapters.db.sale_codec import sale_from_json, sale_to_json
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation, OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptState, capture_key, create_key
from ireti_till.services.payment_store_port import TenderSaleState
from tests.faults.support import StepClock, sale_template, uow_factory

PAYMENT_TABLES = {t.__tablename__ for t in (
    models_payments.TenderSale, models_payments.TenderCash, models_payments.CardAttempt,
    models_payments.OutboxRow, models_payments.EventSeen, models_payments.PaymentSetting)}


def test_migration_matches_models(tmp_path: Path) -> None:
    engine, _ = uow_factory(tmp_path / "l.sqlite3")
    import_all_models()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if any(t in repr(d) for t in PAYMENT_TABLES)]
    assert mine == []
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_sale_codec_round_trips() -> None:
    sale = sale_template(999)
    assert sale_from_json(sale_to_json(sale)) == sale


def test_attempt_sale_and_outbox_round_trip(tmp_path: Path) -> None:
    _, uow = uow_factory(tmp_path / "l.sqlite3")
    clock = StepClock()
    sale = sale_template(1250)
    aid = uuid4()
    attempt = Attempt(aid, sale.sale_id, "T1", Money(1250, "EUR"), AttemptState.PLANNED,
                      clock.now(), clock.now())
    with uow() as u:
        u.payments.open_sale(sale, clock.now())
        u.payments.add_attempt(attempt, create_key(aid), "{}")
        u.payments.add_cash(sale.sale_id, Money(250, "EUR"), Money(500, "EUR"),
                            Money(250, "EUR"), clock.now())
        u.commit()
    with uow() as u:
        got = u.payments.get_attempt(aid)
        assert got == attempt
        moved = attempt.moved(AttemptState.INTENT_CREATED, clock.advance(seconds=1),
                              intent_id="pi_123")
        stored = u.payments.transition(aid, AttemptState.PLANNED, AttemptState.INTENT_CREATED,
                                       now=moved.updated_at, intent_id="pi_123")
        assert stored == moved
        op = Operation(uuid4(), OperationKind.CAPTURE, aid, sale.sale_id, "pi_123",
                       Money(1250, "EUR"), (("amount_to_capture", "1250"),), capture_key(aid),
                       0, OperationState.PENDING, 0, clock.now(), clock.now())
        u.payments.enqueue(op)
        u.commit()
    with uow() as u:
        assert u.payments.get_attempt(aid) == moved
        assert u.payments.due_operations(clock.now(), 10) == [op]
        assert u.payments.due_operations(clock.now() - timedelta(seconds=1), 10) == []
        ts = u.payments.get_sale(sale.sale_id)
        assert ts is not None and ts.state is TenderSaleState.OPEN and ts.sale == sale
        assert [c.amount.minor for c in ts.cash] == [250]
        assert u.payments.attempts_in([AttemptState.INTENT_CREATED]) == [moved]
        assert u.payments.mark_event_seen("evt_1", "payment_intent.succeeded", 5, clock.now())
        assert not u.payments.mark_event_seen("evt_1", "payment_intent.succeeded", 5,
                                              clock.now())
        assert u.payments.last_event_created() == 5
        u.payments.set_setting("reader_id", "tmr_1")
        u.payments.set_setting("reader_id", "tmr_2")
        assert u.payments.get_setting("reader_id") == "tmr_2"


def test_one_intent_belongs_to_one_attempt(tmp_path: Path) -> None:
    _, uow = uow_factory(tmp_path / "l.sqlite3")
    clock = StepClock()
    sale = sale_template()
    with pytest.raises(Exception) as err, uow() as u:
        u.payments.open_sale(sale, clock.now())
        for _ in range(2):
            aid = uuid4()
            a = Attempt(aid, sale.sale_id, "T1", Money(1250, "EUR"),
                        AttemptState.INTENT_CREATED, clock.now(), clock.now(), intent_id="pi_x")
            u.payments.add_attempt(a, create_key(aid), "{}")
    assert isinstance(err.value, IntegrityError) or "UNIQUE" in str(err.value)
