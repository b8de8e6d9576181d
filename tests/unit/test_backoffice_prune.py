"""FeedPrune (issue 14) without a ledger: batches until a short one, the cutoff from the
retention, stops on request."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from ireti_till.services.backoffice_prune import FeedPrune
from tests.fakes import FakeClock

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


class Feed:
    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.cutoffs: list[datetime] = []
        self.on_batch = lambda: None

    def prune_batch(self, before: datetime, limit: int) -> int:
        self.cutoffs.append(before)
        n = min(limit, self.rows)
        self.rows -= n
        self.on_batch()
        return n

    def prunable(self, before: datetime) -> tuple[int, int]:
        return self.rows, 0


def test_batches_until_a_short_one_with_the_retention_cutoff() -> None:
    feed = Feed(1_050)
    run = FeedPrune(feed, FakeClock(NOW), retention_days=30, batch=100, pause_s=0).run_once()
    assert (run.deleted, run.batches) == (1_050, 11)
    assert set(feed.cutoffs) == {NOW - timedelta(days=30)}
    again = FeedPrune(feed, FakeClock(NOW), batch=100, pause_s=0).run_once()
    assert (again.deleted, again.batches) == (0, 1)


def test_one_run_stops_after_max_batches_and_the_next_goes_on() -> None:
    feed = Feed(1_000)
    prune = FeedPrune(feed, FakeClock(NOW), batch=100, max_batches=4, pause_s=0)
    assert prune.run_once().deleted == 400
    assert prune.run_once().deleted == 400
    assert feed.rows == 200


def test_stop_ends_a_run_at_its_next_batch() -> None:
    feed = Feed(10_000)
    prune = FeedPrune(feed, FakeClock(NOW), batch=100, pause_s=30)  # would take 50 min
    stopped = threading.Event()
    feed.on_batch = lambda: stopped.set()
    result = []
    worker = threading.Thread(target=lambda: result.append(prune.run_once()))
    worker.start()
    stopped.wait(5)
    prune.stop()
    worker.join(5)
    assert not worker.is_alive() and result[0].batches == 1 and feed.rows == 9_900
