"""Backup and restore: verified copies, rotation, and a restore that refuses to lose work."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ireti_till.commands.validation.case import EMULATOR_ONLY, Case, Category
from ireti_till.commands.validation.env import Env
from ireti_till.domain.errors import TillError
from ireti_till.services.backup import BackupService, RetentionPolicy, restore

CATEGORY = Category("backup", "Backup and restore", 80,
                    "Backups through SQLite's backup API, verified and rotated; restores that "
                    "refuse a running till, a foreign file or queued payment work, keep the "
                    "previous database aside and are audited. Restores run on a copy.")


def _archive(env: Env, folder: str = "backups") -> object:
    from ireti_till.adapters.backup import SqliteBackupArchive

    return SqliteBackupArchive(env.db_path, env.data_dir / folder)


def _service(env: Env, policy: RetentionPolicy | None = None, folder: str = "backups"
             ) -> BackupService:
    return BackupService(_archive(env, folder), lambda: datetime.now(UTC), policy)  # type: ignore[arg-type]


def _target(env: Env, name: str) -> tuple[object, Path]:
    from ireti_till.adapters.restore_target import SqliteRestoreTarget

    folder = env.root / f"restore-{name}"
    folder.mkdir(exist_ok=True)
    live = folder / "ledger.sqlite3"
    src, dst = sqlite3.connect(env.db_path), sqlite3.connect(live)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return SqliteRestoreTarget(live), live


def _code(fn: Callable[[], object]) -> str:
    try:
        fn()
    except TillError as exc:
        return exc.code
    raise AssertionError("it was accepted")


def backup_verified(env: Env) -> str:
    record, _removed = _service(env).back_up_now()
    assert record.verified and record.path.exists() and len(record.sha256) == 64, record
    return f"{record.name}: integrity {record.integrity}, {record.size} bytes, sha256 kept"


def sidecar(env: Env) -> str:
    record, _ = _service(env).back_up_now()
    side = record.path.with_name(record.name + ".json")
    data = json.loads(side.read_text(encoding="utf-8"))
    assert data.get("sha256") == record.sha256, data
    return f"{side.name} records the checksum and {data.get('sales')} sales"


def backup_matches(env: Env) -> str:
    record, _ = _service(env).back_up_now()
    conn = sqlite3.connect(f"file:{record.path}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        sales = conn.execute("SELECT count(*) FROM tender_sales").fetchone()[0]
    finally:
        conn.close()
    live = env.sql("SELECT count(*) FROM tender_sales")[0][0]
    assert check == "ok" and sales == live, (check, sales, live)
    return f"the backup opens, integrity ok, {sales} sales as in the live ledger"


def rotation(env: Env) -> str:
    archive = _archive(env, "rotation")
    now = datetime.now(UTC)
    for days in range(12, 0, -1):
        archive.create(now - timedelta(days=days))  # type: ignore[attr-defined]
    service = BackupService(archive, lambda: now, RetentionPolicy(daily=3, weekly=1))  # type: ignore[arg-type]
    removed = service.rotate()
    kept = archive.records()  # type: ignore[attr-defined]
    assert removed and len(kept) <= 4, (len(removed), len(kept))
    return f"12 backups, policy 3 daily + 1 weekly: {len(removed)} removed, {len(kept)} kept"


def if_due(env: Env) -> str:
    service = _service(env, folder="due")
    first = service.back_up_if_due()
    second = service.back_up_if_due()
    assert first is not None and second is None, (first, second)
    return "a backup when none was recent; none again within 24 h"


def refuses_running(env: Env) -> str:
    target, _ = _target(env, "running")
    record, _r = _service(env).back_up_now()
    code = _code(lambda: restore(target, record.path, till_running=True, actor="validate",  # type: ignore[arg-type]
                                 clock=lambda: datetime.now(UTC)))
    return f"restore refused while the till runs ({code})"


def refuses_foreign(env: Env) -> str:
    target, _ = _target(env, "foreign")
    junk = env.root / "not-a-ledger.sqlite3"
    conn = sqlite3.connect(junk)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    code = _code(lambda: restore(target, junk, till_running=False, actor="validate",  # type: ignore[arg-type]
                                 clock=lambda: datetime.now(UTC)))
    return f"another program's database refused ({code})"


def refuses_queued(env: Env) -> str:
    assert env.emu is not None
    from ireti_till.commands.validation.env import S

    record, _ = _service(env).back_up_now()
    env.emu.faults.script("http_500", path="/capture$", count=1)
    st = env.card_sale(["approve"])
    assert st.state is S.AUTHORISED, st
    target, _ = _target(env, "queued")
    try:
        code = _code(lambda: restore(target, record.path, till_running=False,  # type: ignore[arg-type]
                                     actor="validate", clock=lambda: datetime.now(UTC)))
    finally:
        for item in env.core.queue_summary().items:
            env.core.outbox.retry_now(item.op_id)
        env.core.outbox.drain()
    return f"restore refused with a capture still queued ({code})"


def restores(env: Env) -> str:
    for item in env.core.queue_summary().items:  # the runbook: resolve, then restore
        env.core.resolve(item.op_id, "validation: settled before restore", "validate")
    record, _ = _service(env).back_up_now()
    target, live = _target(env, "ok")
    seen: list[str] = []
    result = restore(target, record.path, till_running=False, actor="validate",  # type: ignore[arg-type]
                     clock=lambda: datetime.now(UTC),
                     audit=lambda kind, actor, details: seen.append(kind))
    assert result.aside is not None and result.aside.exists(), result
    assert seen == ["restore"] and live.exists(), seen
    return f"restored {record.name}; previous database kept as {result.aside.name}; audited"


def damaged_stops(env: Env) -> str:
    from ireti_till.adapters.db.ledger import open_ledger

    folder = env.root / "damaged"
    folder.mkdir(exist_ok=True)
    path = folder / "ledger.sqlite3"
    src, dst = sqlite3.connect(env.db_path), sqlite3.connect(path)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    size = path.stat().st_size
    with path.open("r+b") as f:  # a disk fault: garbage over every page but the first
        f.seek(4096)
        f.write(b"\xa5" * (size - 4096))
    opened: list[object] = []
    code = _code(lambda: opened.append(open_ledger(folder)))
    for ledger in opened:
        ledger.close()  # type: ignore[attr-defined]
    return f"a damaged ledger stops the till ({code}); nothing opened on it"


CASES = [
    Case("BAK-01", "A backup is made and verified with a checksum", backup_verified),
    Case("BAK-02", "Each backup has a sidecar with its checksum and sales count", sidecar),
    Case("BAK-03", "A backup opens, passes integrity_check and has the live sales",
         backup_matches),
    Case("BAK-04", "Rotation keeps the configured daily and weekly backups", rotation),
    Case("BAK-05", "The daily backup is not repeated within 24 hours", if_due),
    Case("BAK-06", "Restore refuses while the till is running", refuses_running),
    Case("BAK-07", "Restore refuses a file that is not an Ireti Till ledger", refuses_foreign),
    Case("BAK-08", "Restore refuses while payment work is queued", refuses_queued,
         EMULATOR_ONLY),
    Case("BAK-09", "Restore swaps in the backup, keeps the old database and is audited",
         restores),
    Case("BAK-10", "A damaged ledger stops the till with a clear error", damaged_stops),
]
