"""``Deferred[T]``: the value a later start-up phase produces (services/deferred.py)."""

from __future__ import annotations

import threading

import pytest

from ireti_till.domain.errors import LedgerError
from ireti_till.services.deferred import Deferred


def test_get_waits_for_the_value_from_another_thread() -> None:
    later: Deferred[int] = Deferred("answer")
    assert not later.done and later.peek() is None
    threading.Timer(0.05, later.resolve, (42,)).start()
    assert later.get() == 42 and later.done and later.peek() == 42


def test_a_failed_phase_raises_its_error_for_every_user() -> None:
    later: Deferred[int] = Deferred("ledger")
    later.fail(LedgerError("The disk failed", code="IT-203"))
    for _ in range(2):
        with pytest.raises(LedgerError) as err:
            later.get()
        assert err.value.code == "IT-203"
    assert later.peek() is None
    later.fail(RuntimeError("second failure is ignored"))
    with pytest.raises(LedgerError):
        later.get()


def test_nothing_arrives_in_time_gives_it_206() -> None:
    later: Deferred[int] = Deferred("ledger", wait_seconds=0.01)
    with pytest.raises(LedgerError) as err:
        later.get()
    assert err.value.code == "IT-206"


def test_on_wait_runs_before_the_first_wait_and_may_resolve() -> None:
    started: list[str] = []
    def start_phase() -> None:
        started.append("open")
        later.resolve("x")

    later: Deferred[str] = Deferred("staff", on_wait=start_phase)
    assert later.get() == "x" and started == ["open"]
    assert later.get() == "x" and started == ["open"]  # resolved: no second wait


def test_then_runs_once_resolved_or_at_once_if_it_already_is() -> None:
    seen: list[int] = []
    later: Deferred[int] = Deferred("ops")
    later.then(seen.append)
    assert seen == []
    later.resolve(1)
    later.then(seen.append)
    assert seen == [1, 1]
    with pytest.raises(RuntimeError):
        later.resolve(2)  # a phase resolves its value once
    assert Deferred.of("done", 3).get() == 3


def test_build_once_builds_one_value_for_racing_users_and_keeps_a_failure() -> None:
    built: list[int] = []
    gate = threading.Event()

    def build() -> int:
        gate.wait(5)  # both users are inside build_once before the first build returns
        built.append(1)
        return len(built)

    day: Deferred[int] = Deferred("trading day")
    got: list[int] = []
    users = [threading.Thread(target=lambda: got.append(day.build_once(build)))
             for _ in range(2)]
    for user in users:
        user.start()
    gate.set()
    for user in users:
        user.join(5)
    assert got == [1, 1] and built == [1]
    assert day.build_once(build) == 1 and built == [1]  # resolved: never built again

    broken: Deferred[int] = Deferred("trading day")
    calls: list[int] = []

    def fail() -> int:
        calls.append(1)
        raise LedgerError("printer table unreadable", code="IT-201")

    for _ in range(2):
        with pytest.raises(LedgerError):
            broken.build_once(fail)
    assert calls == [1]  # the failure is kept and raised again, not retried


def test_build_once_leaves_a_value_a_phase_resolved_alone() -> None:
    day: Deferred[str] = Deferred("trading day")
    day.resolve("built by the late start")
    assert day.build_once(lambda: "built again") == "built by the late start"
