"""The audit log on a real ledger: triggers, tampering found by verify, the CLI, CSV export."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.adapters.secrets import AUDIT_HEAD
from ireti_till.commands import audit_verify
from ireti_till.domain.audit import AuditDetailsRejected
from ireti_till.domain.errors import LedgerError
from ireti_till.services.staff_ports import AuditFilter


@pytest.fixture
def ctx(data_dir: Path):
    engine = migrated_engine(data_dir)
    clock = FakeClock()
    c = context(engine, data_dir, clock)
    for i in range(1, 11):
        clock.advance(minutes=1)
        c.audit.record("drawer_open", f"user{i % 3}", {"n": i, "till_id": "T01"})
    yield c
    engine.dispose()


def raw(data_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / "ledger.sqlite3", isolation_level=None)
    return conn


def tamper(data_dir: Path, *sql: str) -> None:
    """What someone with the file can do: drop the triggers, then change rows."""
    conn = raw(data_dir)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in sql:
        conn.execute(statement)
    conn.close()


def test_intact_log_verifies(ctx, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ctx.audit.verify().ok and ctx.audit.verify().checked == 10
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith("OK: 10 audit entries")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET details = '{\"n\":99,\"till_id\":\"T01\"}' WHERE seq = 4",
    "DELETE FROM audit_log WHERE seq = 4",
])
def test_triggers_refuse_update_and_delete(ctx, data_dir: Path, statement: str) -> None:
    conn = raw(data_dir)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    conn.close()
    with ctx.audit._uow_factory() as uow, pytest.raises((IntegrityError, LedgerError)):
        uow.connection.exec_driver_sql(statement)
    assert ctx.audit.verify().ok


@pytest.mark.parametrize("sql,broken", [
    (["UPDATE audit_log SET details = '{\"n\":99,\"till_id\":\"T01\"}' WHERE seq = 4"], 4),
    (["UPDATE audit_log SET actor = 'user9' WHERE seq = 7"], 7),
    (["UPDATE audit_log SET at = '2026-11-26T08:00:00.000000Z' WHERE seq = 2"], 2),
    (["DELETE FROM audit_log WHERE seq = 5"], 5),
    (["DELETE FROM audit_log WHERE seq = 1"], 1),
    # delete entry 5 and renumber the rest to hide the gap
    (["DELETE FROM audit_log WHERE seq = 5",
      "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5"], 5),
    # reorder: swap the contents of entries 3 and 6 (links left in place)
    (["UPDATE audit_log SET seq = 1000 WHERE seq = 3",
      "UPDATE audit_log SET seq = 3 WHERE seq = 6",
      "UPDATE audit_log SET seq = 6 WHERE seq = 1000"], 3),
    # reorder with the links moved along: still broken where the order changed
    (["CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (3, 6)",
      "DELETE FROM audit_log WHERE seq IN (3, 6)",
      "INSERT INTO audit_log SELECT 9 - seq, at, kind, actor, details, link FROM t"], 3),
])
def test_tampering_is_found_at_the_first_broken_link(
    ctx, data_dir: Path, capsys: pytest.CaptureFixture[str], sql: list[str], broken: int
) -> None:
    tamper(data_dir, *sql)
    result = ctx.audit.verify()
    assert not result.ok and result.broken_seq == broken
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 1
    assert f"BROKEN at entry {broken}" in capsys.readouterr().out


def test_truncating_the_end_is_found_against_the_keyring_anchor(
    ctx, data_dir: Path, memory_keyring
) -> None:
    assert memory_keyring.values[("ireti-till", AUDIT_HEAD)].startswith("10:")
    tamper(data_dir, "DELETE FROM audit_log WHERE seq > 8")
    result = ctx.audit.verify()
    assert not result.ok and result.broken_seq == 9 and "removed from the end" in result.reason
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 1


def test_entries_written_in_another_units_transaction(ctx, data_dir: Path) -> None:
    """Any use case appends in its own transaction; a rollback takes the entry with it."""
    with ctx.audit._uow_factory() as uow:
        ctx.audit.append(uow.audit, "void", "user1", {"sale_id": "s-1"})
        # no commit: rolled back
    with SqlUnitOfWork(uow.connection.engine) as plain:  # the ledger's own unit of work
        ctx.audit.append(plain.audit, "void", "user1", {"sale_id": "s-2"})  # type: ignore[attr-defined]
        plain.commit()
    entries = ctx.audit.search(AuditFilter(kind="void"))
    assert [e.details["sale_id"] for e in entries] == ["s-2"]
    assert entries[0].seq == 11 and ctx.audit.verify().ok


def test_sensitive_details_never_reach_the_table(ctx) -> None:
    with pytest.raises(AuditDetailsRejected):
        ctx.audit.record("refund", "user1", {"card": "4242424242424242"})
    with pytest.raises(AuditDetailsRejected):
        ctx.audit.record("key_changed", "user1", {"stripe": "sk_live_abcdef"})
    assert ctx.audit.verify().checked == 10


def test_filter_and_export_csv(ctx) -> None:
    found = ctx.audit.search(AuditFilter(actor="user1"))
    assert [e.details["n"] for e in found] == [10, 7, 4, 1]  # newest first
    t = ctx.audit.search(AuditFilter(kind="drawer_open", limit=3))
    assert len(t) == 3
    window = ctx.audit.search(AuditFilter(since=found[-1].at, until=found[1].at))
    assert [e.seq for e in window] == [6, 5, 4, 3, 2, 1]
    out = io.StringIO()
    assert ctx.audit.export_csv(out, AuditFilter(actor="user1"), actor="admin1") == 4
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["seq", "at", "kind", "actor", "details", "link"] and len(rows) == 5
    assert ctx.audit.search(AuditFilter(kind="audit_export"))[0].actor == "admin1"
    assert "audit_export" in ctx.audit.kinds()


def test_verify_command_without_key_or_ledger(data_dir: Path, tmp_path: Path) -> None:
    assert audit_verify.main(["--data-dir", str(tmp_path / "empty")]) == 2
    engine = migrated_engine(data_dir)
    engine.dispose()
    assert audit_verify.main(["--data-dir", str(data_dir)]) == 2  # no audit key yet


def test_cli_dispatch_and_training_secrets_file_without_keyring(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring
    from keyring.backends import fail

    from ireti_till import cli

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        engine = migrated_engine(data_dir)
        c = context(engine, data_dir, FakeClock())  # training: secrets go to the 0600 file
        c.staff.ensure_demo_staff()
        c.staff.sign_in("4829")
        engine.dispose()
        assert (data_dir / "training-secrets.json").exists()
        assert cli.main(["--data-dir", str(data_dir), "audit", "verify"]) == 0
        assert "OK: 2 audit entries" in capsys.readouterr().out
        tamper(data_dir, "UPDATE audit_log SET actor = 'system' WHERE seq = 2")
        assert cli.main(["audit", "verify", "--data-dir", str(data_dir)]) == 1
    finally:
        keyring.set_keyring(previous)


def test_restore_moves_the_anchor_and_keeps_the_rollback_visible(ctx, data_dir: Path) -> None:
    tamper(data_dir, "DELETE FROM audit_log WHERE seq > 6")  # what restoring a backup does
    assert not ctx.audit.verify().ok
    row = ctx.audit.after_restore("admin1", {"backup": "ledger-20261126.sqlite3"})
    assert row.seq == 7
    assert ctx.audit.search(AuditFilter(kind="restore"))[0].details["anchor_seq_before"] == 10
    assert ctx.audit.verify().ok
