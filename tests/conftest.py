"""Suite-wide test setup: headless Qt, an in-memory keyring, a fresh data directory per test."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_OPENGL", "software")
# Never touch the developer's real data directory from a test.
os.environ.pop("IRETI_DATA_DIR", None)

import keyring
from hypothesis import HealthCheck, settings

from tests.fixtures.emulator import *  # noqa: F403  (emulator, gateway and contract fixtures)
from tests.fixtures.memory_keyring import MemoryKeyring

# Property tests check behaviour, not speed (speed lives in benchmarks/): on a loaded CI machine
# a slow example must not fail as "DeadlineExceeded" or "too slow", a flake that says nothing
# about the code. Tests that set their own settings keep them.
settings.register_profile("suite", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("suite")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data directory, also exported as IRETI_DATA_DIR."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("IRETI_DATA_DIR", str(d))
    return d


@pytest.fixture(scope="session", autouse=True)
def _garbage_on_the_gui_thread_only() -> Iterator[None]:
    """As in the till (``ireti_till/ui/gui_gc.py``): no automatic cyclic collection, which
    may run on any thread; the GUI thread collects instead (its timer while Qt runs, and
    after every test below). A parentless Qt object freed by a collection on a helper thread
    leaves its timers registered and crashes later (the suite's second rare SIGSEGV)."""
    from PySide6.QtWidgets import QApplication

    from ireti_till.ui.gui_gc import GuiThreadGc

    app = QApplication.instance() or QApplication([])
    guard = GuiThreadGc(app)
    yield
    guard.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    """Between tests, on the main thread: what the automatic collector would collect now."""
    yield
    from ireti_till.ui.gui_gc import collect_due

    collect_due()

