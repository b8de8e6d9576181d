"""Issue 13 item 5: restore proves the file is a complete ledger of *this* till (schema,
integrity, till id, audit chain under this till's key) before it touches anything."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.config_file import load_config
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.adapters.restore_target import SqliteRestoreTarget
from ireti_till.commands import restore as restore_cmd
from ireti_till.domain.audit import seal
from ireti_till.domain.errors import OperationsError
from ireti_till.services.backup import restore
from tests.integration.ops_helpers import _reset_ops_logging, write_sales  # noqa: F401

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
KEY = b"k" * 32


def _ledger_with_audit(data_dir: Path, key: bytes, sales: int = 2) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    ledger = open_ledger(data_dir)
    write_sales(ledger.engine, sales)
    ledger.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    prev = None
    for seq in (1, 2, 3):
        row = seal(key, prev, seq, NOW, "drawer_open", "user1", {"n": seq})
        conn.execute("INSERT INTO audit_log (seq, at, kind, actor, details, link) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      (row.seq, row.at, row.kind, row.actor, row.details, row.link))
        prev = row.link
    conn.commit()
    conn.close()
    return SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups").create(NOW).path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(target: SqliteRestoreTarget, candidate: Path) -> str:
    before = _digest(target.db_path)
    with pytest.raises(OperationsError) as info:
        restore(target, candidate, till_running=False, actor="admin", clock=lambda: NOW)
    assert _digest(target.db_path) == before  # nothing touched
    assert not target.aside_dir.exists()
    return info.value.code


def test_another_tills_backup_is_refused_by_till_id(tmp_path: Path) -> None:
    other = _ledger_with_audit(tmp_path / "other", KEY)  # sales of till "T1"
    here = tmp_path / "here"
    _ledger_with_audit(here, KEY)
    target = SqliteRestoreTarget(here / DB_FILENAME, till_ids=frozenset({"T02"}))
    assert _refused(target, other) == "IT-542"


def test_another_tills_backup_is_refused_by_its_audit_key(tmp_path: Path) -> None:
    other = _ledger_with_audit(tmp_path / "other", b"o" * 32)
    here = tmp_path / "here"
    _ledger_with_audit(here, KEY)
    target = SqliteRestoreTarget(here / DB_FILENAME, till_ids=frozenset({"T1"}), audit_key=KEY)
    assert _refused(target, other) == "IT-544"
    own = next((here / "backups").glob("ireti-till-*.sqlite3"))
    assert target.inspect(own).ok


def test_a_crafted_database_is_refused(tmp_path: Path) -> None:
    here = tmp_path / "here"
    _ledger_with_audit(here, KEY)
    crafted = tmp_path / "crafted.sqlite3"
    conn = sqlite3.connect(crafted)
    conn.execute("CREATE TABLE sales (x)")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('0006_refunds')")
    conn.commit()
    conn.close()
    assert _refused(SqliteRestoreTarget(here / DB_FILENAME), crafted) == "IT-543"


def test_a_future_schema_is_refused(tmp_path: Path) -> None:
    here = tmp_path / "here"
    backup = _ledger_with_audit(here, KEY)
    future = tmp_path / "future.sqlite3"
    future.write_bytes(backup.read_bytes())
    conn = sqlite3.connect(future)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    assert _refused(SqliteRestoreTarget(here / DB_FILENAME), future) == "IT-545"


def test_a_backup_cut_short_of_its_sidecar_is_refused(tmp_path: Path) -> None:
    here = tmp_path / "here"
    backup = _ledger_with_audit(here, KEY)
    conn = sqlite3.connect(backup)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq = 3")
    conn.commit()
    conn.close()
    target = SqliteRestoreTarget(here / DB_FILENAME, audit_key=KEY)
    assert _refused(target, backup) == "IT-544"


def test_the_command_uses_the_configured_till_id(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _ledger_with_audit(tmp_path / "other", KEY)
    here = tmp_path / "here"
    here.mkdir()
    load_config(here)  # the default config: till T01
    open_ledger(here).close()
    assert restore_cmd.main(["--data-dir", str(here), "--yes", str(other)]) == 2
    assert "IT-542" in capsys.readouterr().err


def test_a_foreign_ledger_put_in_place_is_refused_at_start(tmp_path: Path) -> None:
    from ireti_till.domain.errors import LedgerError

    _ledger_with_audit(tmp_path / "other", b"o" * 32)
    here = tmp_path / "here"
    _ledger_with_audit(here, KEY)
    open_ledger(here).close()  # a later start: the custody file learns which ledger it is
    (here / DB_FILENAME).write_bytes((tmp_path / "other" / DB_FILENAME).read_bytes())
    with pytest.raises(LedgerError) as info:
        open_ledger(here)
    assert info.value.code == "IT-229"
    own = next((here / "backups").glob("ireti-till-*.sqlite3"))
    target = SqliteRestoreTarget(here / DB_FILENAME, audit_key=KEY)
    restore(target, own, till_running=False, actor="admin", clock=lambda: NOW)
    open_ledger(here).close()  # this till's own backup is welcome
