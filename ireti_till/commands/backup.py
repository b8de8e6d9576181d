"""``ireti-till backup``: back the ledger up now (verified, atomic, rotated)."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.paths import backups_dir
from ireti_till.commands.ops_common import (
    add_data_dir,
    emit,
    fail,
    ledger_path,
    open_data_dir,
    unexpected,
)
from ireti_till.domain.errors import TillError
from ireti_till.services.backup import BackupService, RetentionPolicy


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till backup", description=__doc__)
    add_data_dir(parser)
    parser.add_argument("--keep-daily", type=int, default=7, metavar="N",
                        help="keep the newest backup of each of the last N days (default 7)")
    parser.add_argument("--keep-weekly", type=int, default=4, metavar="N",
                        help="keep the newest backup of each of the last N weeks (default 4)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        policy = RetentionPolicy(args.keep_daily, args.keep_weekly)
        data_dir = open_data_dir(args.data_dir)
        archive = SqliteBackupArchive(ledger_path(data_dir), backups_dir(data_dir))
        service = BackupService(archive, SystemClock().now,
                                policy)
        record, removed = service.back_up_now()
    except TillError as exc:
        return fail(exc)
    except (OSError, sqlite3.Error) as exc:
        return fail(unexpected(exc, "the backup", Path(args.data_dir or ".")))
    if args.json:
        text = (json.dumps({"path": str(record.path), "size": record.size, "sha256": record.sha256,
                          "integrity": record.integrity, "sales": record.sales,
                          "removed": [r.name for r in removed]}, indent=2))
    else:
        text = (f"backup written: {record.path} ({record.size} bytes, {record.sales} sales, "
                f"integrity {record.integrity}); {len(removed)} old backup(s) rotated out")
    return 0 if emit(text) else 1
