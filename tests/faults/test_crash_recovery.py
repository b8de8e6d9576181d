"""Crash injection at every named point x several seeds; recovery must leave clean books."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ireti_till.services.payment_context import POINTS
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.crash_harness import (
    RunResult,
    Target,
    crash_run,
    fresh_db,
    summary,
    template_db,
)
from tests.faults.refunds import REFUND_POINTS
from tests.faults.support import register_reader

SEEDS = int(os.environ.get("IRETI_CRASH_SEEDS", "20"))
PARALLEL = 2  # runs are I/O bound (fsync, loopback): overlap them
RESULTS: list[RunResult] = []


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()
    if RESULTS:
        print("\nCRASH SUMMARY " + json.dumps(summary(RESULTS)))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_db(tmp_path_factory.mktemp("tpl") / "template.sqlite3")


def intents_of(emu: Emulator):
    def read() -> list[dict]:
        with emu.state.lock:
            return [dict(p) for p in emu.state.intents.values()]
    return read


def refunds_of(emu: Emulator):
    def read() -> list[dict]:
        with emu.state.lock:
            return [dict(r) for r in emu.state.refunds.values()]
    return read


def target(emu: Emulator, db: Path, till: str) -> Target:
    from ireti_till.adapters.stripe_gateway import StripeGateway

    gw = StripeGateway(emu.api_key, base_url=emu.base_url, training=True)
    return Target(emu.base_url, emu.api_key, register_reader(gw, till), till, str(db))


ALL_POINTS = (*POINTS, *REFUND_POINTS)


@pytest.mark.parametrize("point", ALL_POINTS)
def test_crash_at_point(point: str, emu: Emulator, template: Path, tmp_path: Path) -> None:
    def one(seed: int) -> RunResult:
        till = f"{ALL_POINTS.index(point):02d}{seed:03d}"
        db = fresh_db(template, tmp_path / f"{till}.sqlite3")
        return crash_run(target(emu, db, till), point, 1 + seed % 2, seed, intents_of(emu),
                         refunds_of(emu))

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(one, range(SEEDS)))
    RESULTS.extend(results)
    s = summary(results)
    print(json.dumps({"point": point, **s}))
    assert s["crashes_injected"] >= SEEDS // 2, s
    assert s["child_errors"] == 0 and s["status_lost"] <= 1, s
    assert s["sales_lost"] == 0 and s["double_charges"] == 0, s
    assert s["orphan_authorisations"] == 0 and s["captured_mismatch"] == 0, s
    assert s["integrity_failures"] == 0 and s["open_sales_left"] == 0, s
    assert s["over_refunds"] == 0 and s["duplicate_refunds"] == 0, s
    assert s["refunds_missing"] == 0 and s["refunds_unknown"] == 0, s
    assert s["refunds_queued_left"] == 0, s
    if point in REFUND_POINTS:  # killed at the 1st or 2nd refund: every committed leg (the
        # one the crash interrupted too) is at Stripe exactly once after recovery + drain
        assert s["refund_legs"] >= SEEDS and s["refunds"] == s["refund_legs"], s


def test_environment_hook_kills_a_real_interpreter(emu: Emulator, template: Path,
                                                   tmp_path: Path) -> None:
    """The plain way: a new interpreter with IRETI_CRASH_AT set dies at the point."""
    db = fresh_db(template, tmp_path / "env.sqlite3")
    t = target(emu, db, "ENV1")
    env = {**os.environ, "IRETI_CRASH_AT": "auth.stored"}
    proc = subprocess.run([sys.executable, "-m", "tests.faults.crash_harness",
                           json.dumps(t.__dict__), "3"], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert "IRETI crash point auth.stored" in proc.stderr
    result = crash_run(t, "none", 1, 3, intents_of(emu), refunds_of(emu))  # restart
    assert result.books.clean, result.books


def test_the_books_catch_an_unrecovered_crash(emu: Emulator, template: Path,
                                              tmp_path: Path) -> None:
    """Control: without recovery, a crash after authorisation leaves an uncaptured PI."""
    from tests.faults.crash_harness import child_main, context
    from tests.faults.scenario import check

    db = fresh_db(template, tmp_path / "control.sqlite3")
    t = target(emu, db, "CTRL")
    p = context().Process(target=child_main, args=(t, "auth.stored:1", 0))
    p.start()
    p.join(60)
    assert p.exitcode == -9
    books = check(db, intents_of(emu)(), "CTRL")
    assert books.open_sales == 1 or books.orphan_authorisations == 1
    assert not books.clean


def test_the_refund_books_catch_a_second_refund_for_one_leg(emu: Emulator, template: Path,
                                                            tmp_path: Path) -> None:
    """Control: Stripe holding one refund twice (as a resend under a new key would) is
    counted as a duplicate and an over-refund; the real run's books are clean."""
    from tests.faults.scenario import check

    db = fresh_db(template, tmp_path / "dup.sqlite3")
    t = target(emu, db, "DUP1")
    result = crash_run(t, "none", 1, 5, intents_of(emu), refunds_of(emu))
    assert result.books.clean and result.books.refunds.refund_legs == 2, result.books
    mine = {p["id"] for p in intents_of(emu)() if p["metadata"].get("till_id") == "DUP1"}
    refunds = [r for r in refunds_of(emu)() if r["payment_intent"] in mine]
    assert len(refunds) == 2
    again = {**refunds[0], "id": refunds[0]["id"] + "x"}
    books = check(db, intents_of(emu)(), "DUP1", [*refunds, again])
    assert books.refunds.duplicate_refunds == 1 and books.refunds.over_refunds == 1
    assert not books.clean
