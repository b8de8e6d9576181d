"""Fault tests: 0 lost, 0 duplicated rows through server kills, PostgreSQL restarts, cut
networks, clock skew, a till restored from an old backup and a revoked token."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.server import auth
from tests.backoffice.conftest import Till
from tests.backoffice.helpers import ServerProcess, feed_rows, ring, server_counts, wait_for
from tests.backoffice.proxy import Proxy


def _drain(till: Till, attempts: int = 50) -> None:
    for _ in range(attempts):
        till.sync.run_once(force=True)
        if till.sync.status().waiting == 0:
            return
    raise AssertionError(f"still waiting: {till.sync.status()}")


def _local_keys(till: Till) -> set[str]:
    with till.ledger.engine.connect() as conn:
        return set(conn.execute(text("SELECT item_key FROM bo_feed")).scalars())


def _server_keys(engine: Engine, till_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT item_key FROM feed_items WHERE till_id = :t AND "
                                     "status = 'ok'"), {"t": till_id}).scalars())


def _exactly_once(till: Till, engine: Engine) -> None:
    n = feed_rows(till.ledger)
    assert server_counts(engine, till.till_id) == {"ok": n, "ok_keys": n}
    assert _server_keys(engine, till.till_id) == _local_keys(till)


def test_server_sigkilled_mid_batch_loses_and_duplicates_nothing(make_till, db_url,
                                                                 server_engine: Engine) -> None:
    server = ServerProcess(db_url)
    server.start()
    try:
        till = make_till("T01", server.url)
        ring(till.ledger, "T01", 120)  # 600 feed rows, 12 batches of 50
        till.sync.batch_size = 50
        errors: list[str] = []

        def loop() -> None:
            for _ in range(400):
                run = till.sync.run_once(force=True)
                if run.error_code:
                    errors.append(run.error_code)
                if till.sync.status().waiting == 0:
                    return

        worker = threading.Thread(target=loop)
        worker.start()
        wait_for(lambda: server_counts(server_engine, "T01").get("ok", 0) >= 100,
                 what="first batches on the server")
        server.kill()  # SIGKILL while the till is sending
        wait_for(lambda: len(errors) >= 1, what="the till noticing")
        server.start()
        worker.join(120)
        _drain(till)
        assert "IT-700" in errors
        _exactly_once(till, server_engine)
    finally:
        server.stop()


def test_postgresql_restart_answers_503_then_catches_up(pg, make_till, server_url,
                                                        server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 2)
    _drain(till)
    ring(till.ledger, "T01", 3)
    pg.stop()
    try:
        run = till.sync.run_once(force=True)
        assert run.error_code == "IT-706"
        ready = httpx.get(server_url + "/readyz")
        assert ready.status_code == 503
        direct = httpx.post(server_url + "/v1/feed", headers={
            "Authorization": f"Bearer {till.secrets.get(wiring.TOKEN_NAME)}"}, json={})
        assert direct.status_code == 503 and direct.headers["Retry-After"] == "5"
        assert till.sync.status().waiting == 15  # still queued on the till
    finally:
        pg.start()
    wait_for(lambda: httpx.get(server_url + "/readyz").status_code == 200, what="ready")
    _drain(till)
    _exactly_once(till, server_engine)


def test_network_cut_both_ways(make_till, server_url, server_engine: Engine) -> None:
    proxy = Proxy(int(server_url.rsplit(":", 1)[1]))
    try:
        till = make_till("T01", proxy.url)
        ring(till.ledger, "T01", 1)
        _drain(till)
        ring(till.ledger, "T01", 4)
        proxy.cut_up.set()
        assert till.sync.run_once(force=True).error_code == "IT-700"
        assert server_counts(server_engine, "T01") == {"ok": 5, "ok_keys": 5}
        proxy.cut_up.clear()
        proxy.cut_down.set()  # the server stores the batch but the answer never arrives
        assert till.sync.run_once(force=True).error_code == "IT-700"
        assert proxy.answers_dropped >= 1
        stored = server_counts(server_engine, "T01").get("ok", 0)
        assert stored > 5 and till.sync.status().waiting == 20
        proxy.cut_down.clear()
        _drain(till)
        _exactly_once(till, server_engine)
    finally:
        proxy.close()


class SkewedClock:
    def __init__(self, skew: timedelta) -> None:
        self.skew = skew

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew


def test_clock_skew_on_the_till_changes_nothing(make_till, server_url,
                                                server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    for skew in (timedelta(days=3), -timedelta(days=400)):
        till.sync, till.factory = wiring.make_sync(till.ledger.engine, till.secrets,
                                                   SkewedClock(skew), base_backoff_s=0)
        ring(till.ledger, "T01", 2)
        _drain(till)
    _exactly_once(till, server_engine)
    with server_engine.connect() as conn:
        seen = conn.execute(text("SELECT last_seen_at FROM tills WHERE id = 'T01'")).scalar_one()
    assert abs((datetime.now(UTC) - seen).total_seconds()) < 60  # the server's own clock


def _backup(src: Path, dst: Path) -> None:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
        b.execute("PRAGMA journal_mode=DELETE")
    finally:
        a.close()
        b.close()


def test_a_till_restored_from_an_old_backup_never_reuses_a_number(
        make_till, server_url, server_engine: Engine, tmp_path: Path) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 2)
    _drain(till)  # seqs 1-10 acked
    ring(till.ledger, "T01", 2)  # 10 more, not yet sent when the backup is taken
    till.sync.batch_size = 5
    till.sync.max_batches = 1
    till.sync.run_once(force=True)  # 5 of them numbered and sent (11-15)
    old = tmp_path / "old.sqlite3"
    _backup(till.ledger.path, old)
    before = _local_keys(till)
    till.sync.max_batches = 50
    _drain(till)
    ring(till.ledger, "T01", 3)
    _drain(till)  # the server now holds 35 rows from the original life
    lost_life = _local_keys(till)
    # The PC dies; IT restores the old backup (the till is stopped, then started again).
    till.ledger.close()
    shutil.copy(old, till.ledger.path.parent / DB_FILENAME)
    for suffix in ("-wal", "-shm"):
        (till.ledger.path.parent / (DB_FILENAME + suffix)).unlink(missing_ok=True)
    till.ledger = open_ledger(till.ledger.path.parent)
    assert _local_keys(till) == before
    till.new_sync()
    ring(till.ledger, "T01", 2)  # new sales after the restore
    _drain(till)
    counts = server_counts(server_engine, "T01")
    assert counts.get("flagged", 0) == 0
    assert counts["ok"] == counts["ok_keys"] == len(lost_life | _local_keys(till))
    assert _server_keys(server_engine, "T01") == lost_life | _local_keys(till)
    with server_engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM feed_items WHERE till_id='T01' ORDER BY seq"))
        numbers = list(seqs.scalars())
    assert numbers == list(range(1, len(numbers) + 1))  # dense, none re-used
    assert counts.get("duplicate", 0) == 5  # re-sent under new numbers, recognised by key


def test_a_revoked_till_is_refused_and_keeps_its_records(make_till, server_url,
                                                         server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 1)
    _drain(till)
    assert auth.revoke(server_engine, "T01")
    ring(till.ledger, "T01", 1)
    run = till.sync.run_once(force=True)
    assert run.error_code == "IT-701"
    assert till.sync.status().waiting == 5
    code = auth.make_enrolment(server_engine, "T01", "S1")
    wiring.enrol_till(till.ledger.engine, till.secrets, server_url, "T01", code, None)
    _drain(till)
    _exactly_once(till, server_engine)


def test_till_process_sigkilled_mid_sync_loses_and_duplicates_nothing(
        make_till, server_url, server_engine: Engine) -> None:
    import os
    import signal
    import subprocess
    import sys

    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 200)  # 1000 feed rows, batches of 10 in the child
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("sync_child.py"))],
        env={**os.environ, "DATA_DIR": str(till.ledger.path.parent),
             "TOKEN": till.secrets.get(wiring.TOKEN_NAME) or ""},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: server_counts(server_engine, "T01").get("ok", 0) >= 200,
                 timeout=60, what="the child sending")
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert feed_rows(till.ledger) - server_counts(server_engine, "T01")["ok"] > 0
    till.new_sync()
    _drain(till)
    _exactly_once(till, server_engine)
