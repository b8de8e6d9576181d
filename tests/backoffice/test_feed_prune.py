"""The till prunes its back-office feed (issue 14): only rows the server acknowledged and
older than the retention, in small batches (the write lock is never held long), never an
unacknowledged row; numbering carries on above the pruned rows."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from ireti_till.adapters.backoffice_feed import SqlFeedStore, _ts
from ireti_till.adapters.backoffice_retention import load_retention_days
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands import backoffice as backoffice_command
from ireti_till.domain.errors import ConfigError
from ireti_till.services.backoffice_prune import FeedPrune
from tests.backoffice.helpers import ring, server_counts
from tests.fakes import FakeClock

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def _fill(engine: Engine, rows: list[tuple[int | None, datetime | None]]) -> None:
    """Feed rows as (wire_seq, acked_at), in id order."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO bo_feed (kind, item_key, at, payload, wire_seq, acked_at) "
            "VALUES ('sale', :k, :at, '{}', :seq, :acked)"),
            [{"k": f"sale:{n}", "at": _ts(NOW - timedelta(days=60)), "seq": seq,
              "acked": _ts(acked) if acked else None}
             for n, (seq, acked) in enumerate(rows)])


def _count(engine: Engine, where: str = "1") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM bo_feed WHERE {where}")).scalar_one())


def test_only_old_acknowledged_rows_go_in_small_batches(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path)
    try:
        old, recent = NOW - timedelta(days=40), NOW - timedelta(days=5)
        _fill(ledger.engine, [(n, old) for n in range(1, 2001)]
              + [(n, recent) for n in range(2001, 2501)]
              + [(n, None) for n in range(2501, 2801)]  # numbered, sent, not acknowledged
              + [(None, None)] * 700)  # waiting, some of them 60 days old
        store = SqlFeedStore(ledger.engine)
        assert store.prunable(NOW - timedelta(days=30)) == (2000, 1000)
        run = FeedPrune(store, FakeClock(NOW), retention_days=30, batch=300).run_once()
        assert run.deleted == 2000 and run.batches == 7 and run.longest_s > 0
        assert _count(ledger.engine) == 1500
        assert _count(ledger.engine, "acked_at IS NULL") == 1000  # every unacked row kept
        assert _count(ledger.engine, "acked_at IS NOT NULL") == 500  # the recent ones
        assert FeedPrune(store, FakeClock(NOW), retention_days=30).run_once().deleted == 0
        with pytest.raises((IntegrityError, OperationalError)), ledger.engine.begin() as conn:
            conn.execute(text("DELETE FROM bo_feed WHERE acked_at IS NULL"))
        assert _count(ledger.engine, "acked_at IS NULL") == 1000  # the ledger refuses too
    finally:
        ledger.close()


def test_the_highest_number_is_kept_so_numbering_continues(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path)
    try:
        _fill(ledger.engine, [(n, NOW - timedelta(days=90)) for n in range(1, 51)])
        store = SqlFeedStore(ledger.engine)
        assert FeedPrune(store, FakeClock(NOW), retention_days=30).run_once().deleted == 49
        ring(ledger, "T01", 1)
        batch = store.next_batch(10, 0)
        assert batch and batch[0].seq == 51
    finally:
        ledger.close()


def test_sales_are_written_while_the_prune_runs(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path)
    try:
        _fill(ledger.engine, [(n, NOW - timedelta(days=40)) for n in range(1, 20_001)])
        prune = FeedPrune(SqlFeedStore(ledger.engine), FakeClock(NOW), retention_days=30,
                          batch=400)
        started, result = threading.Event(), []

        def run() -> None:
            started.set()
            result.append(prune.run_once())

        worker = threading.Thread(target=run)
        worker.start()
        started.wait(5)
        waits, left = [], []
        for _ in range(20):  # a sale each time: never waits for the whole prune
            t0 = time.perf_counter()
            ring(ledger, "T01", 1)
            waits.append(time.perf_counter() - t0)
            left.append(_count(ledger.engine, "acked_at IS NOT NULL"))
        worker.join(60)
        assert result and result[0].deleted == 19_999 and result[0].batches >= 50
        assert any(1 < n < 20_000 for n in left), left  # sales committed between batches
        assert max(waits) < 4.0, waits  # below the 5 s busy timeout: never "locked"
        assert _count(ledger.engine, "kind = 'sale' AND acked_at IS NULL") == 20
    finally:
        ledger.close()


def test_pruned_rows_stay_on_the_server_and_sync_carries_on(make_till, server_url,
                                                            server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 5)
    assert till.sync.run_once().acked > 0
    before = server_counts(server_engine, "T01")["ok"]
    later = FakeClock(datetime.now(UTC) + timedelta(days=31))
    run = FeedPrune(SqlFeedStore(till.ledger.engine), later, retention_days=30).run_once()
    assert run.deleted == before - 1 and _count(till.ledger.engine) == 1
    ring(till.ledger, "T01", 2)
    till.new_sync()  # as after a restart: asks the server's high-water first
    assert till.sync.run_once().error_code is None
    counts = server_counts(server_engine, "T01")
    assert counts["ok"] > before and counts.get("flagged", 0) == 0
    assert counts.get("duplicate", 0) == 0


def test_retention_comes_from_config_and_the_command_shows_and_prunes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_retention_days(tmp_path) == 30
    ledger = open_ledger(tmp_path)
    try:
        _fill(ledger.engine, [(n, datetime.now(UTC) - timedelta(days=d))
                              for n, d in enumerate((100, 50, 20, 10, 1), start=1)]
              + [(None, None)])
    finally:
        ledger.close()
    config = tmp_path / "config.toml"
    text_before = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(text_before + "\n[backoffice]\nfeed_retention_days = 40\n",
                      encoding="utf-8")
    assert load_retention_days(tmp_path) == 40
    assert backoffice_command.main(["--data-dir", str(tmp_path), "retention"]) == 0
    out = capsys.readouterr().out
    assert "40 days" in out and "older than 40 days: 2" in out and "never pruned): 1" in out
    assert backoffice_command.main(["--data-dir", str(tmp_path), "retention", "15",
                                    "--prune"]) == 0
    out = capsys.readouterr().out
    assert "older than 15 days: 3" in out and "pruned 3 rows" in out
    config.write_text(text_before + "\n[backoffice]\nfeed_retention_days = 0\n",
                      encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_retention_days(tmp_path)
    assert e.value.code == "IT-743"
    assert backoffice_command.main(["--data-dir", str(tmp_path), "retention"]) == 2
