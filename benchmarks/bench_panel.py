"""Metrics panel refresh with a week of data (offscreen Qt).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_panel.py

Fills a ledger with one week of per-minute metrics (tender + 4 Stripe operations, counters,
gauges) through the real store, then reports medians of:
- ``MetricsQuery.view`` per window (runs on a pool thread in the app);
- the GUI-thread part of a refresh (``MetricsPanel._show``: charts + tables), which is what
  could stall the screen;
- a full ``refresh()`` until ``refreshed`` arrives;
- baseline: a plain SELECT of the same hour rows without decoding.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
from ireti_till.domain.metrics import Counter, Op
from ireti_till.services.metrics import MetricsRecorder
from ireti_till.services.metrics_query import MetricsQuery, Window
from ireti_till.ui.ops.metrics_panel import MetricsPanel

NOW = 1_800_000_000.0
QUICK = "--quick" in sys.argv  # small sizes, a few seconds (CI runs it)
MINUTES = 6 * 60 if QUICK else 7 * 24 * 60
OPS = (Op.TENDER, Op.CREATE_INTENT, Op.PROCESS_INTENT, Op.RETRIEVE_INTENT, Op.CAPTURE)
ROUNDS = 3 if QUICK else 7


def fill(store: SqlMetricsStore) -> int:
    rnd = random.Random(6)
    clock = [0.0]
    rec = MetricsRecorder(None, clock=lambda: clock[0], max_pending=10**8)
    samples = 0
    for m in range(MINUTES):
        base = NOW - (MINUTES - m) * 60
        for i in range(rnd.randint(1, 6)):  # a busy till: 1-6 card sales a minute
            clock[0] = base + i
            rec.payment_attempt()
            for op in OPS:
                rec.observe_latency(op, rnd.lognormvariate(6.0 if op == Op.TENDER else 5.0,
                                                           0.5))
                samples += 1
            if rnd.random() < 0.08:
                rec.payment_declined(rnd.choice(["card_declined", "insufficient_funds",
                                                 "expired_card"]))
            else:
                rec.payment_approved(rnd.randint(100, 9000), "EUR")
        if rnd.random() < 0.02:
            rec.stripe_error(rnd.choice(["api_error", "rate_limit_error", "APIConnectionError"]))
        rec.gauge(Counter.QUEUE_DEPTH, rnd.randint(0, 3))
    store.add_minutes(rec.drain())
    return samples


def median_s(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="bench-panel-"))
    engine = make_engine(work / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    store = SqlMetricsStore(engine)
    t = time.perf_counter()
    samples = fill(store)
    print(f"filled one week: {MINUTES} minutes, {samples} latency samples in "
          f"{time.perf_counter() - t:.1f} s")
    query = MetricsQuery(store, clock=lambda: NOW)
    since = int(NOW // 60) - 7 * 1440

    def baseline() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT bucket, op, blob FROM ops_metric_hist WHERE "
                                 "resolution='h' AND bucket >= ?", (since,)).all()

    base = median_s(baseline)
    print(f"{'what':<34}{'median ms':>10}{'x baseline':>12}")
    print(f"{'baseline: SELECT week hour rows':<34}{base * 1000:>10.1f}{1.0:>12.1f}")
    for window in Window:
        s = median_s(lambda w=window: query.view(w))
        print(f"{'query ' + window.value:<34}{s * 1000:>10.1f}{s / base:>12.1f}")
    panel = MetricsPanel(query)
    panel.resize(1200, 800)
    panel.show()
    for window in (Window.DAY, Window.WEEK):
        view = query.view(window)
        s = median_s(lambda v=view: panel._show((v, ())))
        print(f"{'GUI thread: draw ' + window.value:<34}{s * 1000:>10.1f}{s / base:>12.1f}")
    panel.window_box.setCurrentIndex(2)

    def full_refresh() -> None:
        loop = QEventLoop()
        panel.refreshed.connect(loop.quit)
        QTimer.singleShot(0, panel.refresh)
        loop.exec()
        panel.refreshed.disconnect(loop.quit)

    full_refresh()  # warm up
    s = median_s(full_refresh)
    print(f"{'full refresh week (pool + draw)':<34}{s * 1000:>10.1f}{s / base:>12.1f}")
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone()
    panel.close()
    panel.deleteLater()
    app.processEvents()
    engine.dispose()


if __name__ == "__main__":
    main()
