"""Issue 13 item 3: deleting the audit log, its table or the ledger is reported as BROKEN,
however much trading follows (the anchor is also kept beside the ledger)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.adapters import custody
from ireti_till.adapters.secrets import AUDIT_HEAD
from ireti_till.commands import audit_verify


@pytest.fixture
def ctx(data_dir: Path):
    engine = migrated_engine(data_dir)
    clock = FakeClock()
    c = context(engine, data_dir, clock)
    for i in range(1, 11):
        clock.advance(minutes=1)
        c.audit.record("drawer_open", f"user{i % 3}", {"n": i, "till_id": "T01"})
    yield c, clock
    engine.dispose()


def _sql(data_dir: Path, *statements: str) -> None:
    conn = sqlite3.connect(data_dir / "ledger.sqlite3", isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_the_anchor_is_also_kept_beside_the_ledger(ctx, data_dir: Path) -> None:
    head = custody.FileAnchor(data_dir).load()
    assert head is not None and head[0] == 10
    assert custody.custody_path(data_dir).stat().st_mode & 0o777 == 0o600


def test_deleting_the_whole_log_stays_broken_after_more_trading(
        ctx, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c, clock = ctx
    _sql(data_dir, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log")
    for i in range(25):  # five selftests' worth of entries: more than were deleted
        clock.advance(minutes=1)
        c.audit.record("sign_in", "user1", {"n": i})
        c.audit.checkpoint()
    assert custody.FileAnchor(data_dir).load()[0] == 10  # the anchor did not move
    result = c.audit.verify()
    assert not result.ok and result.broken_seq == 10
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 1
    assert "BROKEN at entry 10" in capsys.readouterr().out


def test_dropping_the_table_is_broken_not_no_log_yet(
        ctx, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(data_dir, "DROP TABLE audit_log")
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("BROKEN") and "audit_log table is gone" in out


def test_deleting_the_ledger_file_is_broken(
        ctx, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c, _clock = ctx
    c.audit._uow_factory  # noqa: B018 - the context stays open; the file goes
    for name in ("ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (data_dir / name).unlink(missing_ok=True)
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_wiping_the_keyring_anchor_alone_is_still_caught_by_the_file(
        ctx, data_dir: Path, memory_keyring) -> None:
    c, _clock = ctx
    del memory_keyring.values[("ireti-till", AUDIT_HEAD)]
    _sql(data_dir, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > 6")
    result = c.audit.verify()
    assert not result.ok and result.broken_seq == 7


def test_truncated_ledger_is_a_message_not_a_traceback(
        ctx, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = data_dir / "ledger.sqlite3"
    _sql(data_dir, "PRAGMA wal_checkpoint(TRUNCATE)")
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 3)
    status = audit_verify.main(["--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert status in (1, 2)
    assert "IT-201" in captured.err or "BROKEN" in captured.out
