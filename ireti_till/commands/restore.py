"""``ireti-till restore FILE``: replace the ledger with a backup, safely.

Refuses while the till runs on this data directory (instance lock) or while payment work is
queued; refuses a file that is not a healthy Ireti Till ledger; keeps the current database in
``restore-aside/``; records the restore in the audit trail when the audit service exists.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from ireti_till.adapters import custody
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.config_file import CONFIG_FILENAME, load_config
from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.adapters.restore_target import SqliteRestoreTarget
from ireti_till.adapters.secrets import AUDIT_KEY, SecretStore
from ireti_till.commands.ops_common import (
    add_data_dir,
    emit,
    fail,
    ledger_path,
    open_data_dir,
    unexpected,
)
from ireti_till.domain.errors import OperationsError, TillError
from ireti_till.services.backup import TILL_RUNNING, AuditSink, restore

log = logging.getLogger(__name__)


def _audit_sink(data_dir: Path) -> AuditSink:
    """Records the restore in the restored ledger's audit trail (see adapters/audit_ops)."""

    def sink(kind: str, actor: str, details: Mapping[str, object]) -> None:
        from ireti_till.adapters.audit_ops import record_restore

        record_restore(data_dir, kind, actor, details)

    return sink


def _note_history(data_dir: Path, line: dict[str, object]) -> None:
    """A plain record of every restore beside the ledger (survives the restore itself)."""
    try:
        fd = os.open(data_dir / "restore-history.jsonl",
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, default=str) + "\n")
    except OSError:
        log.exception("could not write restore-history.jsonl")


def _confirmed(path: Path, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        print("ireti-till restore: add --yes to confirm (no terminal to ask)", file=sys.stderr)
        return False
    answer = input(f"Replace the till's database with {path}? Type 'yes' to go on: ")
    return answer.strip().lower() == "yes"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till restore", description=__doc__)
    add_data_dir(parser)
    parser.add_argument("file", type=Path, help="a backup made by `ireti-till backup`")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--actor", default=None, help="who restores (for the audit trail)")
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
        if not _confirmed(args.file, args.yes):
            return 1
        lock = InstanceLock(data_dir)
        running = not lock.acquire()
        try:
            if running:
                raise OperationsError(
                    "The till is running on this computer (it holds "
                    f"{lock.path.name}). Close it, then run the restore again.",
                    code=TILL_RUNNING)
            result = restore(
                SqliteRestoreTarget(ledger_path(data_dir), till_ids=_this_till(data_dir),
                                    audit_key=_audit_key(data_dir)), args.file.resolve(),
                till_running=False, actor=args.actor or _whoami(),
                clock=SystemClock().now, audit=_audit_sink(data_dir),
            )
            custody.mark_ledger(data_dir)
        finally:
            lock.release()
    except TillError as exc:
        return fail(exc)
    except (OSError, sqlite3.Error) as exc:
        return fail(unexpected(exc, "the restore", Path(args.data_dir or ".")))
    _note_history(data_dir, {"at": datetime.now(UTC).isoformat(), "from": result.restored_from,
                             "aside": result.aside, "sales": result.sales,
                             "audited": result.audited})
    lines = [f"restored {result.sales} sales from {result.restored_from}"]
    if result.aside:
        lines.append(f"the previous database is kept at {result.aside}")
    if not result.audited:
        lines.append("note: no audit trail is available; the restore is recorded in the log "
                     "only")
    if not emit("\n".join(lines)):
        return 1
    return 0


def _this_till(data_dir: Path) -> frozenset[str]:
    """The till ids this data folder uses: config.toml's and the live ledger's sales'."""
    ids: set[str] = set()
    if (data_dir / CONFIG_FILENAME).exists():
        try:
            ids.add(load_config(data_dir).store.till_id)
        except TillError as exc:
            log.warning("restore: config.toml not readable for the till id: %s", exc)
    db = ledger_path(data_dir)
    if db.exists() and db.stat().st_size:
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                ids |= {str(r[0]) for r in conn.execute("SELECT DISTINCT till_id FROM sales")}
            finally:
                conn.close()
    return frozenset(ids)


def _audit_key(data_dir: Path) -> bytes | None:
    """This till's audit key (read only), None where there is none to check with."""
    try:
        key_hex = SecretStore(data_dir, training=True).get(AUDIT_KEY)
        return bytes.fromhex(key_hex) if key_hex else None
    except (TillError, ValueError) as exc:
        log.warning("restore: the audit key cannot be read: %s", exc)
        return None


def _whoami() -> str:
    try:
        return f"os:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name on some service accounts
        return "os:unknown"


