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
from keyring.backend import KeyringBackend

from tests.fixtures.emulator import *  # noqa: F403  (emulator, gateway and contract fixtures)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory for one test (DESIGN §13: no real keyring in CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


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
