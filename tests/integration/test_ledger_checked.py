"""A fast start's pre-flight already ran ``quick_check``: the background open does not
read the whole file a second time; any other open still checks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ireti_till.adapters.db import ledger as ledger_module
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.composition.ledger import LedgerOpener


def _count_quick_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = ledger_module._quick_check

    def counting(path: Path, backups: Path) -> set[str]:
        calls.append(path)
        return real(path, backups)

    monkeypatch.setattr(ledger_module, "_quick_check", counting)
    return calls


def test_an_ordinary_open_checks_and_a_checked_one_does_not(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_ledger(data_dir).close()  # first start: creates and migrates
    calls = _count_quick_checks(monkeypatch)
    first = open_ledger(data_dir)
    first.close()
    assert len(calls) == 1
    second = open_ledger(data_dir, checked=True)
    assert len(calls) == 1
    assert second.migrated_from is None  # at head: nothing to do, no backup
    second.close()


def test_a_fast_start_runs_quick_check_once(data_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    open_ledger(data_dir).close()
    calls = _count_quick_checks(monkeypatch)
    opener = LedgerOpener(data_dir, fast=True)
    opener.begin()
    assert opener.fast_reads() is not None  # the pre-flight found it ready
    opener.start_now()
    opener.result().close()
    assert calls == []  # the pre-flight's own check (stdlib) was the only one
