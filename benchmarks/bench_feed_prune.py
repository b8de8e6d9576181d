"""Pruning the till's back-office feed in small batches vs one bulk DELETE (issue 14).

    .venv/bin/python benchmarks/bench_feed_prune.py [--quick] [--rows N] [--batch B]

A real ledger (temp folder) gets N acknowledged feed rows older than the retention (200,000;
50,000 with --quick) plus 1,000 not acknowledged. Then, in the same run:

- **batched**: ``FeedPrune.run_once()`` (the worker job): total time, batches, and the longest
  single batch, i.e. the longest the ledger's write lock is held; meanwhile a writer thread
  commits a small transaction every 5 ms and the longest it waited is printed too;
- **baseline**: the same rows again, removed by one ``DELETE`` in one transaction: its time is
  the time the write lock is held (the same writer thread shows a sale would wait that long).

The unacknowledged rows must all survive both.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ireti_till.adapters.backoffice_feed import SqlFeedStore, _ts  # noqa: E402
from ireti_till.adapters.db.ledger import open_ledger  # noqa: E402
from ireti_till.services.backoffice_prune import FeedPrune  # noqa: E402

NOW = datetime.now(UTC)
UNACKED = 1_000


class Clock:
    def now(self) -> datetime:
        return NOW


def fill(engine: Engine, rows: int) -> None:
    old = _ts(NOW - timedelta(days=60))
    with engine.begin() as conn:
        top = int(conn.execute(text("SELECT coalesce(max(wire_seq), 0) FROM bo_feed"))
                  .scalar_one())
        conn.execute(text("INSERT INTO bo_feed (kind, item_key, at, payload, wire_seq, acked_at)"
                          " VALUES ('sale', :k, :at, :p, :s, :a)"),
                     [{"k": f"sale:{top + i}", "at": old, "p": '{"total_minor": 1250}',
                       "s": top + i, "a": old} for i in range(1, rows + 1)])
        conn.execute(text("INSERT INTO bo_feed (kind, item_key, at, payload) "
                          "VALUES ('sale', :k, :at, '{}')"),
                     [{"k": f"wait:{top}:{i}", "at": old} for i in range(UNACKED)])


def unacked(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM bo_feed WHERE acked_at IS NULL"))
                   .scalar_one())


def writer(engine: Engine, stop: threading.Event, waits: list[float]) -> None:
    """A till writing small transactions (a sale's worth) every 5 ms; records each wait."""
    n = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bo_state (name, value) VALUES (:n, 'x') "
                              "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                         {"n": f"bench{n % 10}"})
        waits.append(time.perf_counter() - t0)
        n += 1
        stop.wait(0.005)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="50,000 rows (CI)")
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--batch", type=int, default=500)
    args = p.parse_args()
    rows = args.rows or (50_000 if args.quick else 200_000)
    with tempfile.TemporaryDirectory() as work:
        ledger = open_ledger(Path(work))
        try:
            engine = ledger.engine
            fill(engine, rows)
            prune = FeedPrune(SqlFeedStore(engine), Clock(), retention_days=30,
                              batch=args.batch, max_batches=10**9)
            stop, waits = threading.Event(), []
            side = threading.Thread(target=writer, args=(engine, stop, waits))
            side.start()
            t0 = time.perf_counter()
            run = prune.run_once()
            batched = time.perf_counter() - t0
            stop.set()
            side.join()
            assert unacked(engine) == UNACKED, "an unacknowledged row was pruned"
            assert run.deleted == rows - 1, run  # the highest number is kept

            fill(engine, rows)
            cutoff = _ts(NOW - timedelta(days=30))
            stop, bulk_waits = threading.Event(), []
            side = threading.Thread(target=writer, args=(engine, stop, bulk_waits))
            side.start()
            t0 = time.perf_counter()
            with engine.begin() as conn:
                bulk_n = conn.execute(text(
                    "DELETE FROM bo_feed WHERE acked_at IS NOT NULL AND acked_at < :c AND "
                    "wire_seq < (SELECT max(wire_seq) FROM bo_feed)"), {"c": cutoff}).rowcount
            bulk = time.perf_counter() - t0
            stop.set()
            side.join()
            assert unacked(engine) == 2 * UNACKED
        finally:
            ledger.close()
    longest_wait = max(waits) if waits else 0.0
    print(f"feed prune of {rows} acknowledged rows ({UNACKED} unacknowledged kept), "
          f"batches of {args.batch}")
    print(f"{'what':<28}{'total s':>10}{'longest lock ms':>18}")
    print(f"{'batched (FeedPrune)':<28}{batched:>10.2f}{run.longest_s * 1000:>18.1f}")
    print(f"{'baseline: one bulk DELETE':<28}{bulk:>10.2f}{bulk * 1000:>18.1f}")
    print(f"ratio batched/baseline total time: {batched / bulk:.2f}; longest lock "
          f"batched/baseline: {run.longest_s / bulk:.3f} ({run.batches} batches, "
          f"{bulk_n} rows in the bulk DELETE)")
    print(f"a writer committing every 5 ms: longest wait {longest_wait * 1000:.1f} ms during "
          f"the batched prune ({len(waits)} commits), "
          f"{max(bulk_waits, default=0.0) * 1000:.1f} ms during the bulk DELETE "
          f"({len(bulk_waits)} commits)")


if __name__ == "__main__":
    main()
