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
