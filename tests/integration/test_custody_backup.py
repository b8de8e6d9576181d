"""Issue 13 items 1, 2 and 4: a backup never verifies an emptied ledger or rotates the good
copy away; a ledger this data folder has had is never silently re-created."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ireti_till.adapters import custody
from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.commands import backup as backup_cmd
from ireti_till.domain.errors import LedgerError, OperationsError
from ireti_till.services.backup import BackupService, RetentionPolicy
from tests.integration.ops_helpers import _reset_ops_logging, write_sales  # noqa: F401

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _opened(data_dir: Path, sales: int = 3) -> None:
    ledger = open_ledger(data_dir)  # the till's path: creates, migrates, marks custody
    try:
        write_sales(ledger.engine, sales)
    finally:
        ledger.close()


def _backups(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "backups").glob("ireti-till-*.sqlite3"))


def _craft(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sales (x)")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('0006_refunds')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("damage", ["zero-byte", "crafted", "deleted"])
def test_backup_refuses_an_emptied_ledger_and_keeps_the_good_backup(
        data_dir: Path, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    _opened(data_dir)
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    good = _backups(data_dir)
    assert len(good) == 1
    db = data_dir / DB_FILENAME
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    if damage == "zero-byte":
        db.write_bytes(b"")
    elif damage == "crafted":
        db.unlink()
        _craft(db)
    else:
        db.unlink()
    capsys.readouterr()
    assert backup_cmd.main(["--data-dir", str(data_dir), "--keep-daily", "1",
                            "--keep-weekly", "0"]) == 2
    err = capsys.readouterr().err
    assert "IT-541" in err
    assert _backups(data_dir) == good  # the good copy is still there, nothing new
    conn = sqlite3.connect(good[0])
    assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == 3
    conn.close()


def test_an_emptied_ledger_without_custody_file_is_not_backed_up_either(data_dir: Path) -> None:
    """No custody file (a ledger from before this version): the copy's own check refuses."""
    _craft(data_dir / DB_FILENAME)
    archive = SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups")
    with pytest.raises(OperationsError) as info:
        archive.create(NOW)
    assert info.value.code == "IT-541"
    assert _backups(data_dir) == []


@pytest.mark.parametrize("damage", ["zero-byte", "deleted", "schema-less"])
def test_a_ledger_this_folder_has_had_is_never_recreated(data_dir: Path, damage: str) -> None:
    _opened(data_dir)
    db = data_dir / DB_FILENAME
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    db.unlink()
    if damage == "zero-byte":
        db.write_bytes(b"")
    elif damage == "schema-less":
        sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(LedgerError) as info:
        open_ledger(data_dir)
    assert info.value.code == {"zero-byte": "IT-221", "deleted": "IT-220",
                               "schema-less": "IT-222"}[damage]
    assert "restore" in info.value.message
    size = db.stat().st_size if db.exists() else None
    with pytest.raises(LedgerError):
        open_ledger(data_dir)  # still refused: nothing was created in between
    assert (db.stat().st_size if db.exists() else None) == size


def test_backups_alone_prove_the_folder_had_a_ledger(data_dir: Path) -> None:
    _opened(data_dir)
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    custody.custody_path(data_dir).unlink()
    (data_dir / DB_FILENAME).unlink()
    with pytest.raises(LedgerError) as info:
        open_ledger(data_dir)
    assert info.value.code == "IT-220"


def test_a_new_data_folder_still_gets_a_ledger_and_a_private_custody_file(
        data_dir: Path) -> None:
    from ireti_till.adapters.paths import resolve_data_dir

    shared = data_dir.stat().st_mode & 0o777
    old = os.umask(0o022)
    try:
        _opened(data_dir, 0)  # an existing folder the user chose: never chmodded
        assert data_dir.stat().st_mode & 0o777 == shared
        data_dir = resolve_data_dir(str(data_dir / "new"))  # a folder the till creates
        _opened(data_dir, 0)
    finally:
        os.umask(old)
    marker = custody.custody_path(data_dir)
    assert json.loads(marker.read_text())["ledger"] == DB_FILENAME
    assert marker.stat().st_mode & 0o777 == 0o600
    assert (data_dir / DB_FILENAME).stat().st_mode & 0o777 == 0o600
    assert data_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(("daily", "weekly"), [(-1, 4), (0, 4), (7, -3), (10**9, 4), (7, 10**6)])
def test_absurd_retention_is_refused_not_clamped(
        data_dir: Path, daily: int, weekly: int, capsys: pytest.CaptureFixture[str]) -> None:
    _opened(data_dir)
    assert backup_cmd.main(["--data-dir", str(data_dir), "--keep-daily", str(daily),
                            "--keep-weekly", str(weekly)]) == 2
    assert "IT-540" in capsys.readouterr().err
    assert _backups(data_dir) == []


def test_rotation_keeps_a_copy_without_sidecar_inside_the_window(data_dir: Path) -> None:
    _opened(data_dir)
    archive = SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups")
    fetched = archive.create(NOW - timedelta(days=2, hours=1))  # brought back from off-site
    fetched.path.with_name(fetched.name + ".json").unlink()
    ancient = archive.create(NOW - timedelta(days=400))
    ancient.path.with_name(ancient.name + ".json").unlink()
    service = BackupService(archive, lambda: NOW, RetentionPolicy(7, 0))
    record, removed = service.back_up_now()
    assert fetched.path.exists()
    assert [r.name for r in removed] == [ancient.name]
    assert record.path.exists()


def test_rotation_never_removes_the_copy_with_the_most_sales(data_dir: Path) -> None:
    ledger = open_ledger(data_dir)
    write_sales(ledger.engine, 5)
    archive = SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups")
    rich = archive.create(NOW - timedelta(days=3))
    with ledger.engine.begin() as conn:  # sales vanish (the triggers dropped by someone)
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS sales_no_delete")
        for table in ("sale_tenders", "sale_taxes", "sale_lines"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    ledger.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in names:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("PRAGMA foreign_keys=OFF")
    for table in ("sale_tenders", "sale_taxes", "sale_lines", "sales"):
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.close()
    _record, _removed = BackupService(archive, lambda: NOW, RetentionPolicy(1, 0)).back_up_now()
    assert rich.path.exists()


@pytest.mark.parametrize("damage", ["zero-byte", "deleted"])
def test_doctor_fails_for_a_vanished_ledger(
        data_dir: Path, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    from ireti_till.commands import doctor

    _opened(data_dir)
    db = data_dir / DB_FILENAME
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    if damage == "zero-byte":
        db.write_bytes(b"")
    else:
        db.unlink()
    assert doctor.main(["--data-dir", str(data_dir)]) == 2
    out = capsys.readouterr().out
    assert ("IT-221" if damage == "zero-byte" else "IT-220") in out
    assert "FAIL  database" in out


def test_doctor_warns_about_loose_modes(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ireti_till.commands import doctor

    _opened(data_dir)
    (data_dir / DB_FILENAME).chmod(0o644)
    doctor.main(["--data-dir", str(data_dir)])
    out = capsys.readouterr().out
    assert "IT-226" in out and "ledger.sqlite3 (0644)" in out
