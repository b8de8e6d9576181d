"""Issue 13 item 8 (files 0600, folders 0700 whatever the umask) and `--data-dir ""`."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.adapters.paths import resolve_data_dir
from ireti_till.commands import backup as backup_cmd
from ireti_till.commands import restore as restore_cmd
from ireti_till.domain.errors import LedgerError
from tests.integration.ops_helpers import _reset_ops_logging, write_sales  # noqa: F401


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        out[str(path.relative_to(root))] = stat.S_IMODE(st.st_mode)
    return out


def test_every_data_file_is_private_whatever_the_umask(
        tmp_path: Path, loose_umask: None) -> None:
    data_dir = tmp_path / "fresh"
    resolved = resolve_data_dir(str(data_dir))
    ledger = open_ledger(resolved)
    write_sales(ledger.engine, 2)
    with ledger.engine.connect() as conn:  # keep -wal/-shm alive while we look
        conn.exec_driver_sql("SELECT 1")
        assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
        modes = _modes(data_dir)
    ledger.close()
    backup = next((data_dir / "backups").glob("ireti-till-*.sqlite3"))
    assert restore_cmd.main(["--data-dir", str(data_dir), "--yes", str(backup)]) == 0
    modes.update(_modes(data_dir))
    assert any(name.startswith("logs/") for name in modes)
    assert any(name.startswith("restore-aside/") for name in modes)
    assert any(name.endswith(".json") and name.startswith("backups/") for name in modes)
    loose = {name: oct(mode) for name, mode in modes.items()
             if mode & 0o077}
    assert loose == {}, loose


def test_an_empty_data_dir_option_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerError) as info:
        resolve_data_dir("")
    assert info.value.code == "IT-225"
    assert backup_cmd.main(["--data-dir", ""]) == 2


def test_the_pre_migration_copy_is_private(tmp_path: Path, loose_umask: None) -> None:
    import sqlite3 as sq

    from ireti_till.adapters.db import migrate

    source = tmp_path / "old.sqlite3"
    sq.connect(source).execute("CREATE TABLE t (x)").connection.close()
    copy = migrate.backup_copy(source, tmp_path / "backups", "0001_core")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700


def test_an_existing_world_writable_folder_is_never_chmodded(tmp_path: Path) -> None:
    world_writable = tmp_path / "world_writable"
    world_writable.mkdir()
    world_writable.chmod(0o1777)  # like /tmp
    resolve_data_dir(str(world_writable))
    assert stat.S_IMODE(world_writable.stat().st_mode) == 0o1777
