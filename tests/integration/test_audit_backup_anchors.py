"""``audit verify`` checks the live chain against the audit head each backup's sidecar kept.

Backups are made by the real ``ireti-till backup`` command; the chain is then tampered with
directly in SQLite, with the anchors beside the ledger (keyring and custody file) rewound
as well, so the ordinary chain check alone would be fooled: only the backups' anchors
remain to tell.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ireti_till.adapters.audit_ops import ledger_anchor
from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.backup_anchors import sidecar_anchors
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.secrets import SecretStore
from ireti_till.adapters.staff_wiring import build_audit_log
from ireti_till.commands import audit_verify
from ireti_till.commands import backup as backup_cmd
from ireti_till.commands import restore as restore_cmd
from tests.integration.ops_helpers import _reset_ops_logging, make_ledger  # noqa: F401


def _record(data_dir: Path, n: int, kind: str = "drawer_open") -> None:
    engine = make_ledger(data_dir)
    try:
        audit = build_audit_log(engine, SecretStore(data_dir, training=True), SystemClock())
        for i in range(n):
            audit.record(kind, "alice", {"n": i})
    finally:
        engine.dispose()


def _backup(data_dir: Path, *, keep_older: bool = False) -> Path:
    """A backup by the ``backup`` command; ``keep_older``: by its archive directly, so the
    command's rotation (one backup a day) does not remove the earlier ones of today."""
    before = set((data_dir / "backups").glob("ireti-till-*.sqlite3"))
    if keep_older:
        SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups").create(
            datetime.now(UTC))
    else:
        assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    (made,) = set((data_dir / "backups").glob("ireti-till-*.sqlite3")) - before
    return made


def _head(data_dir: Path, seq: int) -> tuple[int, str]:
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        row = conn.execute("SELECT seq, link FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    return int(row[0]), str(row[1])


def _truncate_and_rewind(data_dir: Path, keep: int) -> None:
    """Delete the entries after ``keep`` and move both live anchors back to it."""
    conn = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
    conn.close()
    seq, link = _head(data_dir, keep)
    anchors = ledger_anchor(SecretStore(data_dir, training=True), data_dir)
    for one in anchors._anchors:
        one.save(seq, link)
    assert anchors.load() == (seq, link)


@pytest.fixture
def till(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    make_ledger(data_dir).dispose()
    _record(data_dir, 6)
    capsys.readouterr()
    return data_dir


def test_the_sidecar_keeps_the_backups_audit_head(till: Path) -> None:
    backup = _backup(till)
    meta = json.loads(backup.with_name(backup.name + ".json").read_text("utf-8"))
    assert meta["audit_head"] == list(_head(till, 6))
    (anchor,) = sidecar_anchors(till / "backups")
    assert (anchor.backup, anchor.seq, anchor.link) == (backup.name, *_head(till, 6))


def test_an_intact_chain_passes_every_backup_anchor(
        till: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _backup(till)
    _record(till, 2)
    _backup(till, keep_older=True)
    _record(till, 1)
    capsys.readouterr()
    assert audit_verify.main(["--data-dir", str(till)]) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out
    assert "backup anchors: 2 checked, all in the live chain" in out


def test_a_chain_truncated_below_a_backups_anchor_is_broken_and_names_the_backup(
        till: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = _backup(till)
    _record(till, 2)
    _truncate_and_rewind(till, keep=4)  # below the backup's head (entry 6)
    capsys.readouterr()
    assert audit_verify.main(["--data-dir", str(till)]) == 1
    out = capsys.readouterr().out
    assert "OK: 4 audit entries, chain intact" in out  # the live anchors were fooled
    assert "backup anchors: 1 checked, 1 broken" in out
    assert (f"BROKEN below the anchor of backup {backup.name} (entry 6): the live chain "
            "ends at entry 4: entries 5..6 were removed (IT-255)") in out


def test_a_chain_rewritten_below_a_backups_anchor_is_broken(
        till: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = _backup(till)
    _truncate_and_rewind(till, keep=3)
    _record(till, 5, kind="sign_in")  # re-sealed with the key: a valid, different chain
    capsys.readouterr()
    assert audit_verify.main(["--data-dir", str(till)]) == 1
    out = capsys.readouterr().out
    assert "OK: 8 audit entries, chain intact" in out
    assert (f"BROKEN below the anchor of backup {backup.name} (entry 6): entry 6 is not the "
            "one the backup recorded (rewritten) (IT-255)") in out


def test_a_restore_supersedes_the_anchors_of_later_backups(
        till: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = _backup(till)  # head 6
    _record(till, 3)
    _backup(till, keep_older=True)  # head 9: the restore below cuts the chain under it
    capsys.readouterr()
    assert restore_cmd.main(["--data-dir", str(till), "--yes", "--actor", "admin",
                             str(older)]) == 0
    _record(till, 4)  # entries 8..11 now differ from the later backup's
    capsys.readouterr()
    assert audit_verify.main(["--data-dir", str(till)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert ("backup anchors: 2 checked, all in the live chain, 1 superseded by a later "
            "restore") in out


def test_a_tampered_sidecar_head_is_reported(till: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    backup = _backup(till)
    sidecar = backup.with_name(backup.name + ".json")
    meta = json.loads(sidecar.read_text("utf-8"))
    meta["audit_head"] = [6, "0" * 64]
    sidecar.write_text(json.dumps(meta), "utf-8")
    capsys.readouterr()
    assert audit_verify.main(["--data-dir", str(till)]) == 1
    assert "(rewritten) (IT-255)" in capsys.readouterr().out


def test_no_backups_says_none_were_found(till: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert audit_verify.main(["--data-dir", str(till)]) == 0
    assert "backup anchors: none found" in capsys.readouterr().out


def test_the_running_tills_audit_alert_reads_the_backup_anchors_too(till: Path) -> None:
    from ireti_till.adapters.ops_wiring import audit_check

    engine = make_ledger(till)
    try:
        trail = build_audit_log(engine, SecretStore(till, training=True), SystemClock())
        check = audit_check(till, lambda: trail)
        backup = _backup(till)
        assert check() == (True, "")
        _record(till, 2)
        _truncate_and_rewind(till, keep=4)  # the live anchors are fooled; the backup's not
        ok, why = check()
    finally:
        engine.dispose()
    assert not ok and backup.name in why and "IT-255" in why
