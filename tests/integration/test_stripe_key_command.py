"""``ireti-till stripe-key``: the key goes to the keyring only, with its shape checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ireti_till.adapters.config_file import KEYRING_SERVICE, load_config
from ireti_till.cli import main

TEST_KEY = "sk_test_" + "a1B2c3D4e5" * 3
LIVE_KEY = "rk_live_" + "Z9y8X7w6V5" * 3


def _run(monkeypatch: pytest.MonkeyPatch, data_dir: Path, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--data-dir", str(data_dir), "stripe-key", *args])


def test_set_stores_in_keyring_never_in_files(monkeypatch, data_dir, memory_keyring, capsys):
    assert _run(monkeypatch, data_dir, "set", "--mode", "test", stdin=TEST_KEY + "\n") == 0
    assert memory_keyring.values[(KEYRING_SERVICE, "stripe-secret-key-test")] == TEST_KEY
    out = capsys.readouterr().out
    assert TEST_KEY not in out and TEST_KEY[-4:] in out
    for f in data_dir.rglob("*"):
        if f.is_file():
            assert TEST_KEY.encode() not in f.read_bytes(), f


def test_status_masks_the_key(monkeypatch, data_dir, memory_keyring, capsys):
    memory_keyring.values[(KEYRING_SERVICE, "stripe-secret-key-test")] = TEST_KEY
    assert _run(monkeypatch, data_dir, "status") == 0
    out = capsys.readouterr().out
    assert "test  set: sk_test_" in out and "live  not set" in out
    assert TEST_KEY not in out


@pytest.mark.parametrize("typed", ["", "hello", "pk_test_abcdefghijkl", LIVE_KEY, "sk_test_x y"])
def test_wrong_shapes_are_refused_and_nothing_stored(monkeypatch, data_dir, memory_keyring,
                                                      capsys, typed):
    assert _run(monkeypatch, data_dir, "set", "--mode", "test", stdin=typed + "\n") == 2
    assert memory_keyring.values == {}
    err = capsys.readouterr().err
    assert "IT-352" in err and (typed == "" or typed not in err)
    if typed == LIVE_KEY:
        assert "--mode live" in err


def test_delete_removes_it_and_the_till_falls_back_to_training(monkeypatch, data_dir,
                                                               memory_keyring):
    memory_keyring.values[(KEYRING_SERVICE, "stripe-secret-key-live")] = LIVE_KEY
    assert _run(monkeypatch, data_dir, "delete", "--mode", "live") == 0
    assert memory_keyring.values == {}
    assert load_config(data_dir).training is True
