"""Issue 13 item 12: a locked user's correct PIN answers like a wrong PIN, and parallel
attempts on one user are serialised (at most max_failed_pins PINs are ever checked)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.staff import LockoutPolicy

ADA_PIN = "4829"


class CountingHasher:
    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, pin: str, encoded: str) -> bool:
        with self._lock:
            self.checked += 1
        return self.inner.verify(pin, encoded)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.fixture
def staff(data_dir: Path):
    engine = migrated_engine(data_dir)
    ctx = context(engine, data_dir, FakeClock(), lockout=LockoutPolicy(max_failures=5))
    ctx.staff.ensure_demo_staff()
    yield ctx.staff
    engine.dispose()


def _ada(staff) -> str:
    return next(m.user_id for m in staff.users() if m.name.startswith("Ada"))


def test_twenty_parallel_attempts_check_at_most_five_pins(staff) -> None:
    user = _ada(staff)
    counting = CountingHasher(staff._hasher)
    staff._hasher = counting
    pins = ["0000"] * 19 + [ADA_PIN]
    start = threading.Barrier(len(pins))

    def attempt(pin: str) -> str:
        start.wait()
        try:
            staff.sign_in(pin, user)
        except AuthorisationError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(len(pins)) as pool:
        outcomes = list(pool.map(attempt, pins))
    wrong = outcomes.count("IT-401")
    assert wrong <= 5
    assert counting.checked <= 6  # five wrong ones lock; the right one only if it came first
    if outcomes[-1] == "ok":
        assert counting.checked == wrong + 1


def test_a_locked_users_correct_pin_answers_like_a_wrong_pin(staff) -> None:
    user = _ada(staff)
    for _ in range(5):
        with pytest.raises(AuthorisationError):
            staff.sign_in("0000", user)
    answers = []
    for pin in (ADA_PIN, "0001"):
        with pytest.raises(AuthorisationError) as info:
            staff.sign_in(pin)  # PIN-only sign-in: no name chosen
        answers.append((info.value.code, info.value.message))
    assert answers[0] == answers[1]
