"""What custody of the ledger costs (issue 13): the audit anchor kept beside the ledger and
the check that the anchored entry is still in the chain, per ``AuditLog.record``; and a
backup with its rotation, which now reads sale ids before removing anything.

    .venv/bin/python benchmarks/bench_custody.py [--quick]

Same run, same ledger, three ways to record an audit entry (each entry in its own
transaction, as sign-ins and refunds do):

1. baseline: no anchor at all;
2. keyring anchor only (what the till did before);
3. keyring + custody-file anchor with the still-in-chain check (what it does now).

Then ``backup`` with 8 older backups to rotate, against a plain SQLite copy of the same file
as the baseline. Prints medians (ms) and ratios against the same-run baseline.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests/

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.custody import ChainedAnchor, FileAnchor
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.secrets import SecretStore, SecretStoreAnchor
from ireti_till.services.audit import AuditLog
from ireti_till.services.backup import BackupService, RetentionPolicy
from tests.fixtures.memory_keyring import MemoryKeyring
from tests.integration.ops_helpers import write_sales


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_record(data: Path, n: int) -> None:
    ledger = open_ledger(data)
    key = b"k" * 32
    uow = SqlStaffUnitOfWorkFactory(ledger.engine)
    read = SqlStaffUnitOfWorkFactory(ledger.engine, read_only=True)
    secrets = SecretStore(data, training=True)
    logs = {
        "no anchor (baseline)": AuditLog(uow, key, _Clock(), None, read),
        "keyring anchor (before)": AuditLog(uow, key, _Clock(), SecretStoreAnchor(secrets),
                                            read),
        "keyring + custody file, checked (now)": AuditLog(
            uow, key, _Clock(), ChainedAnchor(SecretStoreAnchor(secrets), FileAnchor(data)),
            read),
    }
    for log in logs.values():  # warm up, and give each a head to check against
        log.record("sign_in", "user1", {"n": 0})
    results = {name: _median_ms(lambda log=log: log.record("sign_in", "user1", {"n": 1}), n)
               for name, log in logs.items()}
    base = results["no anchor (baseline)"]
    print(f"AuditLog.record, median of {n}:")
    for name, ms in results.items():
        print(f"  {name:<40} {ms:7.3f} ms   x{ms / base:.2f}")
    ledger.close()


def bench_backup(data: Path, n: int) -> None:
    ledger = open_ledger(data)
    write_sales(ledger.engine, 2000)
    ledger.close()
    archive = SqliteBackupArchive(data / "ledger.sqlite3", data / "backups")
    now = datetime.now(UTC)
    for days in range(1, 9):
        archive.create(now - timedelta(days=days * 10))

    def plain_copy() -> None:
        target = data / "plain.sqlite3"
        target.unlink(missing_ok=True)
        src = sqlite3.connect(data / "ledger.sqlite3")
        dst = sqlite3.connect(target)
        src.backup(dst)
        dst.close()
        src.close()

    service = BackupService(archive, lambda: datetime.now(UTC), RetentionPolicy(7, 4))
    base = _median_ms(plain_copy, n)
    full = _median_ms(service.back_up_now, n)
    print(f"backup of a 2000-sale ledger with 8 older backups, median of {n}:")
    print(f"  {'plain SQLite copy (baseline)':<40} {base:7.3f} ms   x1.00")
    print(f"  {'backup: verify, sidecar, rotate (now)':<40} {full:7.3f} ms   x{full / base:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI smoke)")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    n = 15 if args.quick else 200
    root = Path(tempfile.mkdtemp(prefix="bench-custody-"))
    try:
        (root / "a").mkdir()
        bench_record(root / "a", n)
        (root / "b").mkdir()
        bench_backup(root / "b", 3 if args.quick else 15)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
