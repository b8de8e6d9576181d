"""Opening the ledger: a damaged file stops trading (IT-201), a newer schema is refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from test_ledger_fixtures import make_product, make_sale

from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.domain.errors import LedgerError


def _ledger_with_data(data_dir: Path) -> Path:
    ledger = open_ledger(data_dir)
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many(make_product(i) for i in range(3000))
        for i in range(20):
            uow.sales.add(make_sale(i))
        uow.commit()
    ledger.close()
    path = data_dir / DB_FILENAME
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file
    conn.close()
    return path


def test_a_page_of_garbage_fails_quick_check_and_stops_trading(data_dir: Path) -> None:
    path = _ledger_with_data(data_dir)
    page_size = 4096
    pages = path.stat().st_size // page_size
    assert pages > 20
    with path.open("r+b") as handle:  # wreck a b-tree page in the middle of the file
        handle.seek(page_size * (pages // 2))
        handle.write(bytes([0x0D]) + b"\xff" * (page_size - 1))
    with pytest.raises(LedgerError) as caught:
        open_ledger(data_dir)
    assert caught.value.code == "IT-201"
    assert "Do not trade" in str(caught.value)
    assert not (data_dir / "backups").exists()  # a damaged file is never "backed up"


def test_a_file_that_is_not_a_database_fails_the_same_way(data_dir: Path) -> None:
    (data_dir / DB_FILENAME).write_bytes(b"this is not SQLite" * 500)
    with pytest.raises(LedgerError) as caught:
        open_ledger(data_dir)
    assert caught.value.code == "IT-201"


def test_a_healthy_ledger_opens_again_without_a_backup(data_dir: Path) -> None:
    _ledger_with_data(data_dir)
    ledger = open_ledger(data_dir)
    try:
        assert ledger.backup_path is None and ledger.migrated_from is None
        with ledger.read_uow() as uow:
            assert uow.sales.count() == 20
    finally:
        ledger.close()


def test_a_database_from_a_newer_version_is_refused(data_dir: Path) -> None:
    path = _ledger_with_data(data_dir)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM alembic_version")
    conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError) as caught:
        open_ledger(data_dir)
    assert caught.value.code == "IT-204"
    assert "9999_from_the_future" in str(caught.value)


def test_an_unwritable_data_dir_is_a_clear_ledger_error(tmp_path: Path) -> None:
    missing = tmp_path / "not-made"
    with pytest.raises(LedgerError) as caught:
        open_ledger(missing)
    assert caught.value.code == "IT-202"
    assert "--data-dir" in str(caught.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_a_read_only_database_file_is_a_clear_ledger_error(data_dir: Path) -> None:
    path = _ledger_with_data(data_dir)
    path.chmod(0o400)
    try:
        with pytest.raises(LedgerError) as caught:
            open_ledger(data_dir)
        assert caught.value.code == "IT-202" and "read-only" in str(caught.value)
    finally:
        path.chmod(0o600)


def test_read_only_file_check_also_runs_as_root(data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The same refusal, with the permission answer simulated (root ignores chmod)."""
    path = _ledger_with_data(data_dir)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path and real_access(p, mode))
    with pytest.raises(LedgerError) as caught:
        open_ledger(data_dir)
    assert caught.value.code == "IT-202"
