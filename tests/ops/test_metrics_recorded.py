"""Every documented metric is really recorded by the payment path (emulator, real ledger)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.commands.validation.env import Env, S, sale
from ireti_till.domain.metrics import Counter
from ireti_till.domain.money import Money
from ireti_till.services.metrics import MetricsRecorder, record_queue_gauges
from ireti_till.services.metrics_query import MetricsQuery, Window, local_time, view_to_csv
from ireti_till.services.refunds import RefundRequest


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    from ireti_till.training.server import Emulator, EmulatorConfig

    emulator = Emulator.start(EmulatorConfig(rate_limit=None))  # loopback, this test's own
    e = Env(tmp_path, emulator.api_key, emulator.base_url, emulator)
    try:
        yield e
    finally:
        e.close()
        emulator.stop()


def _names(recorder: MetricsRecorder) -> tuple[set[str], set[str]]:
    counters: set[str] = set()
    latencies: set[str] = set()
    for batch in recorder.drain():
        counters |= {name for name, _labels in batch.counters}
        counters |= {name for name, _labels in batch.gauges}
        latencies |= set(batch.histograms)
    return counters, latencies


def test_the_payment_path_records_every_counter_and_gauge(env: Env) -> None:
    recorder = MetricsRecorder()
    env.observe = recorder.payment_observer()
    env.on_call = recorder.stripe_call_observer()
    assert env.emu is not None
    st = env.card_sale(["approve"], total=2500)  # attempts, approved, amount, tender
    assert st.state is S.CAPTURED
    env.card_sale(["decline", "approve"])  # declined
    env.emu.faults.script("http_500", path="/events", count=4, value="false")
    assert not env.core.sweep.run().ok  # payment.errors (category api)
    env.emu.faults.clear()
    kit = env.kit()
    sale_id = env.core.cards._load(st.attempt_id).sale_id
    kit.service.refund(RefundRequest(sale_id, Money(500, "EUR")), "metrics", kit.cashier)
    record_queue_gauges(recorder, env.core.queue_summary())  # refund still pending
    env.core.outbox.drain()  # refund.count, refund.amount_minor
    s = sale(3000)
    env.core.tender.begin(s)
    failing = env.present(env.core.cards.start(s.sale_id), "refund_fails")
    kit.service.refund(RefundRequest(s.sale_id, Money(1000, "EUR")), "metrics", kit.cashier)
    env.core.outbox.drain()
    env.emu.clock.advance(5)
    env.core.sweep.run()  # refund.failed, events.sweep_lag_s
    assert failing.state is S.CAPTURED
    reader = env.core.readers.current_reader() or ""
    env.core.connectivity.check()
    env.emu.simulate.set_status(reader, "offline")
    env.core.connectivity.check()  # reader.disconnects
    env.emu.simulate.set_status(reader, "online")
    counters, latencies = _names(recorder)
    missing = {c.value for c in Counter} - counters
    assert not missing, f"documented but never recorded: {sorted(missing)}"
    assert {"tender", "stripe.create_intent", "stripe.capture_intent",
            "stripe.create_refund"} <= latencies


def test_amounts_are_recorded_per_currency_in_minor_units(env: Env) -> None:
    recorder = MetricsRecorder()
    env.observe = recorder.payment_observer()
    env.card_sale(["approve"], total=1234)
    amounts = {labels: n for b in recorder.drain() for (name, labels), n in b.counters.items()
               if name == Counter.PAYMENT_AMOUNT}
    assert amounts == {"currency=EUR": 1234}


def test_metrics_csv_shows_local_times(env: Env) -> None:
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore

    store = SqlMetricsStore(env.engine)
    recorder = MetricsRecorder(store)
    recorder.payment_attempt()
    recorder.flush()
    csv = view_to_csv(MetricsQuery(store).view(Window.HOUR))
    header = csv.splitlines()[1]
    assert "bucket_start_local" in header and "utc_minute" not in header
    row = csv.splitlines()[2].split(",")
    assert row[1][:2] == "20" and ("+" in row[1][10:] or "-" in row[1][10:]), row
    assert local_time(0).startswith(("1970-01-01", "1969-12-31"))
