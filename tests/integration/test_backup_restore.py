"""Backups and restore against a real ledger file: the restored till finds every sale."""

from __future__ import annotations

import errno
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ireti_till.adapters import backup as backup_adapter
from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.adapters.restore_target import SqliteRestoreTarget
from ireti_till.commands import backup as backup_cmd
from ireti_till.commands import restore as restore_cmd
from ireti_till.domain.errors import OperationsError
from ireti_till.services.backup import BackupService, RetentionPolicy, restore
from tests.integration.ops_helpers import _reset_ops_logging, make_ledger, write_sales  # noqa: F401

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _archive(data_dir: Path) -> SqliteBackupArchive:
    return SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups")


def test_backup_then_restore_finds_every_sale(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    kept_ids = write_sales(engine, 25)
    record, removed = BackupService(_archive(data_dir), lambda: NOW).back_up_now()
    assert record.verified and record.sales == 25 and removed == []
    assert json.loads(record.path.with_name(record.name + ".json").read_text())["sha256"] == (
        backup_adapter.sha256_of(record.path))
    # Trade on after the backup: these sales are not in it.
    later_ids = write_sales(engine, 3, cashier="bob")
    engine.dispose()

    result = restore(SqliteRestoreTarget(data_dir / DB_FILENAME), record.path,
                     till_running=False, actor="admin", clock=lambda: NOW)
    assert result.sales == 25 and result.aside is not None and result.aside.exists()

    engine = make_ledger(data_dir)  # start-up path: migrate (no-op) and read
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.sales.count() == 25
        for sale_id in kept_ids:
            assert uow.sales.get(sale_id) is not None
        assert all(uow.sales.get(s) is None for s in later_ids)
    engine.dispose()
    aside = sqlite3.connect(result.aside)
    assert aside.execute("SELECT count(*) FROM sales").fetchone()[0] == 28  # nothing lost
    aside.close()


def test_backup_is_consistent_while_the_till_writes(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    write_sales(engine, 10)
    conn = engine.raw_connection()  # an open reader/writer during the backup, WAL mode
    try:
        record = _archive(data_dir).create(NOW)
    finally:
        conn.close()
    check = sqlite3.connect(record.path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert check.execute("SELECT count(*) FROM sales").fetchone()[0] == 10
    check.close()
    engine.dispose()


def test_rotation_keeps_daily_and_weekly(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    engine.dispose()
    archive = _archive(data_dir)
    for day in range(40):  # two backups a day for 40 days
        for hour in (9, 18):
            archive.create(NOW - timedelta(days=day, hours=NOW.hour - hour))
    service = BackupService(archive, lambda: NOW, RetentionPolicy(daily=7, weekly=4))
    removed = service.rotate()
    kept = archive.records()
    assert len(removed) + len(kept) == 80
    days = {r.created.date() for r in kept}
    assert len(days) == len(kept)  # one per day at most
    last7 = {(NOW - timedelta(days=d)).date() for d in range(7)}
    assert last7 <= days
    assert 7 <= len(kept) <= 11
    assert service.last_verified() is not None
    assert service.last_verified().created.date() == NOW.date()  # type: ignore[union-attr]
    assert not list((data_dir / "backups").glob("*.partial"))


def test_disk_full_during_backup_is_clear_and_leaves_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_ledger(data_dir)
    write_sales(engine, 3)

    def full(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup_adapter, "_copy_pages", full)
    with pytest.raises(OperationsError) as caught:
        _archive(data_dir).create(NOW)
    assert caught.value.code == "IT-502" and "full" in str(caught.value)
    assert list((data_dir / "backups").iterdir()) == []
    # The till keeps trading: the live ledger still takes sales.
    write_sales(engine, 1)
    engine.dispose()


def test_enospc_on_fsync_is_a_disk_full_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ledger(data_dir).dispose()

    def enospc(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_adapter, "_fsync_path", enospc)
    with pytest.raises(OperationsError) as caught:
        _archive(data_dir).create(NOW)
    assert caught.value.code == "IT-502"
    assert list((data_dir / "backups").iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_restore_refuses_a_file_that_is_not_a_database(data_dir: Path, content: bytes) -> None:
    engine = make_ledger(data_dir)
    write_sales(engine, 2)
    engine.dispose()
    bogus = data_dir / "bogus.sqlite3"
    bogus.write_bytes(content)
    before = (data_dir / DB_FILENAME).read_bytes()
    with pytest.raises(OperationsError) as caught:
        restore(SqliteRestoreTarget(data_dir / DB_FILENAME), bogus, till_running=False,
                actor="admin", clock=lambda: NOW)
    assert caught.value.code == "IT-503" and "bogus.sqlite3" in str(caught.value)
    assert (data_dir / DB_FILENAME).read_bytes() == before


def test_restore_refuses_a_foreign_database(data_dir: Path) -> None:
    make_ledger(data_dir).dispose()
    other = data_dir / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(OperationsError, match="not an Ireti Till ledger"):
        restore(SqliteRestoreTarget(data_dir / DB_FILENAME), other, till_running=False,
                actor="admin", clock=lambda: NOW)


def test_restore_refuses_while_work_is_queued(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    record = _archive(data_dir).create(NOW)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO payment_outbox (op_id, kind, params_json, idem_key, key_generation, "
            "state, tries, next_at, created_at, updated_at) VALUES ('op1', 'capture', '{}', "
            "'k1', 0, 'pending', 0, 'x', 'x', 'x')")
    engine.dispose()
    with pytest.raises(OperationsError) as caught:
        restore(SqliteRestoreTarget(data_dir / DB_FILENAME), record.path, till_running=False,
                actor="admin", clock=lambda: NOW)
    assert caught.value.code == "IT-505" and "1 payment operation" in str(caught.value)


def test_restore_command_refuses_while_the_till_runs(data_dir: Path, capsys) -> None:
    make_ledger(data_dir).dispose()
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    backup = next((data_dir / "backups").glob("ireti-till-*.sqlite3"))
    with InstanceLock(data_dir):  # what app.py holds while the till runs
        status = restore_cmd.main(["--data-dir", str(data_dir), "--yes", str(backup)])
    assert status == 2
    assert "IT-504" in capsys.readouterr().err
    # Closed till: the same command works.
    assert restore_cmd.main(["--data-dir", str(data_dir), "--yes", str(backup)]) == 0
    assert "restored 0 sales" in capsys.readouterr().out


def test_backup_command_reports_a_missing_ledger(data_dir: Path, capsys) -> None:
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 2
    assert "IT-501" in capsys.readouterr().err


def test_instance_lock_is_exclusive_and_dies_with_its_process(data_dir: Path) -> None:
    import subprocess
    import sys

    from ireti_till.adapters.instance_lock import is_till_running

    assert not is_till_running(data_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path;"
         "from ireti_till.adapters.instance_lock import InstanceLock;"
         f"l = InstanceLock(Path({str(data_dir)!r})); assert l.acquire();"
         "print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert is_till_running(data_dir)
        assert not InstanceLock(data_dir).acquire()
        assert InstanceLock(data_dir).owner_pid() == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert not is_till_running(data_dir)  # SIGKILL released it: no stale lock
    with InstanceLock(data_dir) as lock:
        assert lock.held


def test_restore_is_recorded_in_the_audit_trail_and_the_chain_still_verifies(
    data_dir: Path, capsys
) -> None:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.secrets import SecretStore
    from ireti_till.adapters.staff_wiring import build_audit_log
    from ireti_till.commands import audit_verify

    engine = make_ledger(data_dir)
    write_sales(engine, 4)
    audit = build_audit_log(engine, SecretStore(data_dir, training=True), SystemClock())
    audit.record("start", "system", {"till_id": "T1"})
    engine.dispose()
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    backup = next((data_dir / "backups").glob("ireti-till-*.sqlite3"))
    engine = make_ledger(data_dir)
    audit = build_audit_log(engine, SecretStore(data_dir, training=True), SystemClock())
    for n in range(3):  # entries after the backup: the anchor moves past the backup's head
        audit.record("drawer_open", "alice", {"n": n})
    engine.dispose()
    capsys.readouterr()

    assert restore_cmd.main(["--data-dir", str(data_dir), "--yes", "--actor", "admin",
                             str(backup)]) == 0
    out = capsys.readouterr().out
    assert "restored 4 sales" in out and "no audit trail" not in out
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 0, capsys.readouterr()
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        kind, actor, details = conn.execute(
            "SELECT kind, actor, details FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert (kind, actor) == ("restore", "admin")
    assert json.loads(details)["previous_anchor_seq"] == 4
    history = (data_dir / "restore-history.jsonl").read_text().splitlines()
    assert json.loads(history[-1])["audited"] is True


def test_scheduled_backup_runs_only_when_due_and_never_raises(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ledger(data_dir).dispose()
    now = [NOW]
    service = BackupService(_archive(data_dir), lambda: now[0])
    assert service.back_up_if_due() is not None
    now[0] = NOW + timedelta(hours=5)
    assert service.back_up_if_due() is None  # the last one is recent
    now[0] = NOW + timedelta(hours=25)

    def full(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup_adapter, "_copy_pages", full)
    assert service.back_up_if_due() is None  # logged, not raised
    monkeypatch.undo()
    assert service.back_up_if_due() is not None
