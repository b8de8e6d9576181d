"""The custody fault suite (issue 13): every command against every kind of damaged ledger
and every kind of damaged backup. The rule, checked after each: no command ever deletes or
overwrites the last good copy of a sale, and every refusal names its error code."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.commands import restore
from tests.faults.custody_support import (
    BACKUP_DAMAGE,
    COMMANDS,
    LEDGER_DAMAGE,
    check_rule,
    copy_world,
    damage_ledger,
    make_golden,
    no_keyring,
    run_captured,
    sales_in,
    sha,
)
from tests.integration.ops_helpers import _reset_ops_logging  # noqa: F401

#: Ledgers on which a command that changes the ledger must refuse (not this till's good one).
MUST_REFUSE = {"zero-byte", "truncated", "bit-flipped", "crafted", "future", "missing",
               "foreign"}


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, frozenset[str], Path]:
    root = tmp_path_factory.mktemp("custody-golden")
    data, good, ids = make_golden(root / "ours")
    other, _other_backup, _ = make_golden(root / "theirs", till_id="T9")
    return data, good, ids, other / "ledger.sqlite3"


@pytest.fixture
def world(golden, tmp_path: Path, memory_keyring) -> Iterator[tuple[Path, Path, str, frozenset[str],
                                                                     Path]]:
    data_src, good_src, ids, other = golden
    data = copy_world(data_src, tmp_path / "data")
    good = data / "backups" / good_src.name
    with no_keyring():
        yield data, good, sha(good), ids, other


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
@pytest.mark.parametrize("damage", list(LEDGER_DAMAGE))
def test_every_command_against_every_ledger(world, tmp_path: Path, damage: str, command,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data, good, good_sha, ids, other = world
    damage_ledger(data, damage, other)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    status, out, err = run_captured(capsys, lambda: command.run(data, good, scratch))
    check_rule(data, good, good_sha, ids, status, out, err, f"{command.name} on {damage}")
    if damage in MUST_REFUSE and command.writes_ledger:
        assert status != 0, f"{command.name} went ahead on a {damage} ledger"
    if damage in MUST_REFUSE - {"future"} and command.name.startswith("backup"):
        assert status != 0 and sorted((data / "backups").glob("ireti-till-*.sqlite3")) == [good]
    if damage in MUST_REFUSE and command.name == "doctor":
        assert status == 2
    if damage == "intact" and command.name not in ("audit-verify", "doctor"):
        assert status == 0, err
    if command.name == "restore-good":
        assert status == 0, err  # the remedy always works, and keeps the damaged file aside
        assert sales_in(data / "ledger.sqlite3") == ids


@pytest.mark.parametrize("damage", list(BACKUP_DAMAGE))
def test_restore_refuses_every_damaged_backup(world, damage: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    data, good, good_sha, ids, other = world
    candidate = data / "backups" / "candidate.sqlite3"
    shutil.copyfile(good, candidate)
    BACKUP_DAMAGE[damage](candidate, other)
    before = sha(data / "ledger.sqlite3")
    status, out, err = run_captured(capsys, lambda: restore.main(
        ["--data-dir", str(data), "--yes", str(candidate)]))
    check_rule(data, good, good_sha, ids, status, out, err, f"restore of a {damage} backup")
    assert status == 2, out
    assert sha(data / "ledger.sqlite3") == before  # nothing touched
    assert not (data / "restore-aside").exists()


def test_the_suite_counts() -> None:
    """The figures the report gives (cases x commands)."""
    assert len(LEDGER_DAMAGE) == 8 and len(COMMANDS) == 11 and len(BACKUP_DAMAGE) == 6
