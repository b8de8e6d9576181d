"""Suite-wide test setup: headless Qt, an in-memory keyring, a fresh data directory per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_OPENGL", "software")
# Never touch the developer's real data directory from a test.
os.environ.pop("IRETI_DATA_DIR", None)

import keyring

from tests.fixtures.emulator import *  # noqa: F403  (emulator, gateway and contract fixtures)
from tests.fixtures.memory_keyring import MemoryKeyring


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


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a Qt test, flush deferred deletes and collect cycles here, on the GUI thread.

    Otherwise a cycle holding a Qt wrapper may be collected later at a random point, possibly
    while a worker or server thread happens to trigger the collection."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    app = QCoreApplication.instance()
    if app is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    gc.collect()
