"""Metrics persisted in the ledger: minute and hour rows, windows, corrupt blobs skipped."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
from ireti_till.domain.metrics import Op
from ireti_till.services.metrics import MetricsRecorder
from ireti_till.services.metrics_query import MetricsQuery, Window, view_to_csv
from tests.integration.ops_helpers import make_ledger

T0 = 1_800_000_000.0  # a whole hour: 1_800_000_000 / 3600 = 500000


def _fill(store: SqlMetricsStore, now: list[float], minutes: int) -> None:
    rec = MetricsRecorder(store, clock=lambda: now[0])
    for m in range(minutes):
        for i in range(10):
            now[0] = T0 + m * 60 + i
            rec.payment_attempt()
            rec.observe_latency(Op.TENDER, 400 + 10 * i)
            if i == 9:
                rec.payment_declined("expired_card")
            else:
                rec.payment_approved(500, "EUR")
        rec.flush()


def test_history_survives_and_windows_agree(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    now = [T0]
    _fill(SqlMetricsStore(engine), now, 90)
    engine.dispose()
    engine = make_ledger(data_dir)  # a restart: everything comes from SQLite
    query = MetricsQuery(SqlMetricsStore(engine), clock=lambda: now[0])
    hour, day, week = (query.view(w) for w in Window)
    assert day.attempts == week.attempts == 900 and hour.attempts == 600
    assert day.success_rate == 0.9 and dict(day.declines_by_code) == {"expired_card": 90}
    tender = next(s for s in day.latency if s.op == Op.TENDER)
    assert tender.count == 900 and tender.p99_ms is not None
    assert 440 <= tender.p50_ms <= 460 and tender.max_ms >= 490  # type: ignore[operator]
    hour_tender = next(s for s in hour.latency if s.op == Op.TENDER)
    assert hour_tender.count == 600
    assert len(hour.series) == 60 and len(day.series) == 24 and len(week.series) == 168
    minute_point = hour.series[-1]
    assert minute_point.attempts == 10 and minute_point.tender_p99_ms is None  # too few
    assert "series," in view_to_csv(day) and "expired_card,90" in view_to_csv(day)
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        rows = dict(conn.execute(
            "SELECT resolution, count(*) FROM ops_metric_hist GROUP BY resolution"))
    assert rows == {"m": 90, "h": 2}
    engine.dispose()


def test_corrupt_blob_is_skipped_with_a_log_entry(data_dir: Path, caplog) -> None:
    engine = make_ledger(data_dir)
    now = [T0]
    store = SqlMetricsStore(engine)
    _fill(store, now, 3)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE ops_metric_hist SET blob = X'DEADBEEF' WHERE resolution = 'm' AND bucket = "
            "(SELECT min(bucket) FROM ops_metric_hist)")
        conn.exec_driver_sql(
            "UPDATE ops_metric_hist SET blob = CAST('HISTFAAAA garbage' AS BLOB) "
            "WHERE resolution = 'h'")
    query = MetricsQuery(store, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        hour = query.view(Window.HOUR)
        day = query.view(Window.DAY)
    assert next(s for s in hour.latency if s.op == Op.TENDER).count == 20  # 1 of 3 skipped
    assert day.latency == () and day.attempts == 30  # counters unaffected
    assert "corrupt metrics histogram skipped (IT-530)" in caplog.text
    assert store.skipped_blobs >= 2
    # A new minute merges over the corrupt hour row instead of failing the flush.
    rec = MetricsRecorder(store, clock=lambda: now[0])
    rec.observe_latency(Op.TENDER, 700)
    assert rec.flush() == 1
    assert next(s for s in query.view(Window.DAY).latency if s.op == Op.TENDER).count == 1
    engine.dispose()


def test_prune_drops_old_minutes(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    now = [T0]
    store = SqlMetricsStore(engine)
    _fill(store, now, 2)
    removed = store.prune(int(T0 // 60) + 9 * 1440)
    with engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT DISTINCT resolution FROM ops_metric_hist").all()
    assert removed > 0 and left == [("h",)]
    engine.dispose()
