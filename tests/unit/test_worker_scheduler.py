"""worker/scheduler: periodic jobs and one-off work on single-thread lanes, typed requests,
and a shutdown that never raises nor logs an error (APScheduler's JobLookupError at teardown
came from one-off jobs removed while the scheduler was stopping)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from ireti_till.worker.ops_jobs import OpsJobs
from ireti_till.worker.scheduler import Scheduler
from tests.fixtures.waiting import wait_until as wait_for


@pytest.fixture
def thread_errors() -> Iterator[list[BaseException]]:
    errors: list[BaseException] = []
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        errors.append(args.exc_value or RuntimeError("thread died"))

    threading.excepthook = hook
    yield errors
    threading.excepthook = previous


def test_periodic_jobs_run_on_their_lane_and_a_request_runs_one_now() -> None:
    s = Scheduler()
    runs: list[str] = []
    s.add_periodic("tick", lambda: runs.append(threading.current_thread().name), 0.02,
                   lane="fast", first_after_s=0)
    s.add_periodic("slow", lambda: runs.append("slow"), 3600.0, lane="other")
    s.start()
    try:
        wait_for(lambda: runs.count("slow") == 0 and len(runs) >= 3)
        assert all(name.startswith("worker-fast") for name in runs)
        s.request("slow")  # an hour early
        wait_for(lambda: "slow" in runs)
    finally:
        s.shutdown()


def test_one_off_work_runs_in_order_and_requests_coalesce() -> None:
    s = Scheduler()
    gate = threading.Event()
    order: list[int] = []
    count = {"job": 0}

    def job() -> None:
        count["job"] += 1

    s.add_periodic("job", job, 3600.0, lane="lane")
    s.start()
    try:
        s.submit("lane", "hold", lambda: gate.wait(10))
        for n in range(5):
            s.submit("lane", f"n{n}", lambda n=n: order.append(n))
        for _ in range(5):
            s.request("job")  # queued behind the others: five requests, one run
        gate.set()
        wait_for(lambda: len(order) == 5 and count["job"] == 1)
        assert order == [0, 1, 2, 3, 4]
        s.request("job")
        wait_for(lambda: count["job"] == 2)
    finally:
        s.shutdown()


def test_a_failing_job_is_logged_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    s = Scheduler()
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise OSError("disk full")

    s.add_periodic("broken", broken, 0.01, lane="lane", first_after_s=0)
    with caplog.at_level(logging.ERROR, logger="ireti_till.worker"):
        s.start()
        try:
            wait_for(lambda: len(calls) >= 2)
        finally:
            s.shutdown()
    assert "background job broken failed" in caplog.text


def test_names_are_unique_and_nothing_runs_after_shutdown() -> None:
    s = Scheduler()
    s.add_periodic("a", lambda: None, 1.0, lane="lane")
    with pytest.raises(ValueError, match="exists already"):
        s.add_periodic("a", lambda: None, 1.0, lane="lane")
    s.start()
    s.shutdown()
    s.shutdown()  # idempotent
    ran: list[int] = []
    s.submit("lane", "late", lambda: ran.append(1))
    s.request("a")
    s.add_periodic("b", lambda: ran.append(2), 0.01, lane="lane")
    s.start()
    assert not s.running and ran == []


def test_shutdown_under_load_raises_and_logs_nothing(
        caplog: pytest.LogCaptureFixture, thread_errors: list[BaseException]) -> None:
    with caplog.at_level(logging.WARNING):
        for _ in range(15):
            s = Scheduler()
            done = threading.Event()
            ticks: list[int] = []
            for n in range(3):
                s.add_periodic(f"p{n}", lambda n=n, t=ticks: t.append(n), 0.002,
                               lane=f"lane{n}", first_after_s=0)
            s.start()

            def pound(s: Scheduler = s, done: threading.Event = done) -> None:
                while not done.is_set():
                    s.submit("lane0", "one-off", lambda: None)
                    s.request("p1")
                    s.request("missing")

            threads = [threading.Thread(target=pound) for _ in range(2)]
            for t in threads:
                t.start()
            wait_for(lambda ticks=ticks: len(ticks) >= 6)  # the clock ticks while it is busy
            s.shutdown()
            done.set()
            for t in threads:
                t.join()
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [] and thread_errors == []


def test_the_payments_worker_and_the_ops_jobs_share_one_scheduler(
        caplog: pytest.LogCaptureFixture, thread_errors: list[BaseException]) -> None:
    flushed: list[int] = []
    ops = OpsJobs(flush=lambda: flushed.append(1), prune=lambda: None, backup=None,
                  flush_every=0.01)
    shared = ops.scheduler
    pruned: list[int] = []
    shared.add_periodic("print-retry", lambda: pruned.append(1), 0.01, lane="print",
                        first_after_s=0)  # another module registering its job
    with caplog.at_level(logging.WARNING):
        ops.start()
        wait_for(lambda: len(flushed) >= 2 and len(pruned) >= 2)
        ops.stop()
    assert not shared.running and not ops.running
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert thread_errors == []
