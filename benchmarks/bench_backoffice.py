"""N simulated tills syncing into one back office on a real PostgreSQL.

    .venv/bin/python benchmarks/bench_backoffice.py            # 100 tills x 1 sale/s x 60 s
    .venv/bin/python benchmarks/bench_backoffice.py --quick    # 10 tills x 10 s

Each till is a real SQLite ledger (sales rung through the sale repository, the feed filled by
its triggers) with the real ``BackofficeSync`` + httpx client, talking to ``ireti-till server
run`` in a subprocess, which is SIGKILLed and restarted once half-way. Afterwards:

- every feed row of every till is on the server exactly once (0 lost, 0 duplicated);
- feed lag (row written on the till -> committed on the server): median and p99 (goal < 5 s);
- backlog drain: every till rings sales offline, then all catch up at once: rows/s through
  the sync path against the same-run baseline of bare ``COPY`` and ``executemany`` of the
  same rows into PostgreSQL (medians of 3).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests/

import psycopg
from sqlalchemy import text

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.server import auth, db
from tests.backoffice.conftest import Secrets, Till
from tests.backoffice.helpers import ServerProcess, feed_rows, ring, server_counts
from tests.backoffice.pg import PgCluster


def _make_till(i: int, root: Path, url: str, engine) -> Till:  # type: ignore[no-untyped-def]
    tid = f"T{i:03d}"
    d = root / tid
    d.mkdir()
    ledger = open_ledger(d)
    secrets = Secrets()
    wiring.enrol_till(ledger.engine, secrets, url, tid,
                      auth.make_enrolment(engine, tid, f"S{i % 10}"), None)
    till = Till(tid, ledger, secrets)
    till.sync, till.factory = wiring.make_sync(ledger.engine, secrets, base_backoff_s=0.25,
                                               max_backoff_s=2, batch_size=200)
    return till


def _drain(tills: list[Till], deadline_s: float = 300) -> float:
    def one(t: Till) -> None:
        end = time.monotonic() + deadline_s
        while t.sync.status().waiting and time.monotonic() < end:
            run = t.sync.run_once(force=True)
            if run.error_code:
                time.sleep(0.2)  # the server is away: poll again shortly
    start = time.perf_counter()
    with ThreadPoolExecutor(len(tills)) as pool:
        list(pool.map(one, tills))
    return time.perf_counter() - start


def _live(tills: list[Till], seconds: float, server: ServerProcess, kill: bool) -> dict:
    stop = threading.Event()
    errors: list[str] = []

    def run(t: Till, offset: float) -> None:
        nxt = time.monotonic() + offset
        while not stop.is_set():
            if stop.wait(max(0.0, nxt - time.monotonic())):
                return
            ring(t.ledger, t.till_id, 1, lines=3, qty=1)
            r = t.sync.run_once()
            if r.error_code:
                errors.append(r.error_code)
            nxt += 1.0

    threads = [threading.Thread(target=run, args=(t, i / len(tills)))
               for i, t in enumerate(tills)]
    for th in threads:
        th.start()
    down = 0.0
    time.sleep(seconds / 2)  # the offered load runs meanwhile
    if kill:
        t0 = time.perf_counter()
        server.kill()
        server.start()
        down = time.perf_counter() - t0
    time.sleep(seconds / 2)
    stop.set()
    for th in threads:
        th.join()
    return {"errors": len(errors), "down_s": down}


def _copy_baseline(url: str, rows: list[tuple]) -> tuple[float, float]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    copy_t, many_t = [], []
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE bench_copy (LIKE feed_items INCLUDING DEFAULTS)")
        conn.commit()
        cols = "till_id, seq, kind, item_key, at, payload, payload_hash, status"
        for _ in range(3):
            conn.execute("TRUNCATE bench_copy")
            conn.commit()
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY bench_copy ({cols}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
            conn.commit()
            copy_t.append(time.perf_counter() - t0)
            conn.execute("TRUNCATE bench_copy")
            conn.commit()
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO bench_copy ({cols}) VALUES "
                                "(%s, %s, %s, %s, %s, %s, %s, %s)", rows)
            conn.commit()
            many_t.append(time.perf_counter() - t0)
    return statistics.median(copy_t), statistics.median(many_t)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--tills", type=int, default=100)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--backlog", type=int, default=20, help="offline sales per till")
    p.add_argument("--no-kill", action="store_true")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if a.quick:
        a.tills, a.seconds, a.backlog = 10, 10, 5
    pg = PgCluster()
    root = Path(tempfile.mkdtemp(prefix="ireti-bench-bo-"))
    server = None
    try:
        url = pg.create_database("bench")
        engine = db.make_engine(url, pool_size=2)
        db.migrate(engine)
        server = ServerProcess(url)
        server.start()
        tills = [_make_till(i, root, server.url, engine) for i in range(1, a.tills + 1)]
        print(f"{a.tills} tills x 1 sale/s x {a.seconds:.0f} s, server SIGKILLed once: "
              f"{'no' if a.no_kill else 'yes'}")
        live = _live(tills, a.seconds, server, not a.no_kill)
        tail = _drain(tills)
        with engine.connect() as conn:
            lag = conn.execute(text(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l), "
                "percentile_cont(0.99) WITHIN GROUP (ORDER BY l), count(*) FROM ("
                "SELECT extract(epoch FROM received_at - at::timestamptz) AS l "
                "FROM feed_items) x")).one()
        print(f"live: {lag[2]} rows; sync errors seen by tills {live['errors']}; server down "
              f"{live['down_s']:.2f} s; tail drained in {tail:.2f} s")
        print(f"feed lag: median {lag[0]:.3f} s, p99 {lag[1]:.3f} s (goal p99 < 5 s)")
        # backlog: every till rings offline, then all catch up together
        for t in tills:
            ring(t.ledger, t.till_id, a.backlog, lines=3, qty=1)
        backlog_rows = sum(t.sync.status().waiting for t in tills)
        drain_s = _drain(tills)
        lost = dup = 0
        for t in tills:
            c = server_counts(engine, t.till_id)
            n = feed_rows(t.ledger)
            lost += max(0, n - c.get("ok", 0))
            dup += c.get("ok", 0) - c["ok_keys"] + c.get("duplicate", 0) + c.get("flagged", 0)
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text(
                "SELECT till_id, seq, kind, item_key, at, payload::text, payload_hash, status "
                "FROM feed_items ORDER BY till_id, seq DESC LIMIT :n"), {"n": backlog_rows})]
        copy_s, many_s = _copy_baseline(url, rows)
        sync_rate = backlog_rows / drain_s
        print(f"backlog: {backlog_rows} rows from {a.tills} tills drained in {drain_s:.2f} s "
              f"= {sync_rate:,.0f} rows/s through the sync path")
        print(f"baseline (median of 3): COPY {copy_s:.3f} s = {backlog_rows / copy_s:,.0f} "
              f"rows/s; executemany {many_s:.3f} s = {backlog_rows / many_s:,.0f} rows/s")
        print(f"ratio: sync path takes {drain_s / copy_s:.1f}x the COPY time, "
              f"{drain_s / many_s:.1f}x executemany")
        print(f"exactly once: lost {lost}, duplicated {dup}")
        for t in tills:
            t.ledger.close()
        engine.dispose()
        # exactly-once always counts; the lag floor only in a full run (quick figures are noise)
        ok = lost == 0 and dup == 0 and (a.quick or lag[1] < 5)
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        pg.close()


if __name__ == "__main__":
    raise SystemExit(main())
