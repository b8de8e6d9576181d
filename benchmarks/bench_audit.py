"""``audit verify`` over a large audit log: time, rate, and a same-run read-only baseline.

    .venv/bin/python benchmarks/bench_audit.py [--entries 1000000] [--keep DIR]

Builds a ledger (all migration heads) in a temporary data directory, fills ``audit_log``
with realistic sealed entries (bulk-inserted with sqlite3: the build is not what is
measured), then times:

1. baseline: streaming every row through the repository without checking anything;
2. ``AuditLog.verify()``: the same stream plus one HMAC-SHA256 per entry;
3. the ``ireti-till audit verify`` command end to end (its own process start excluded).

Verification streams rows in keyset pages of 5000, so memory stays flat; a second,
untimed pass under ``tracemalloc`` prints the peak to show it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests/


from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.domain.audit import seal
from ireti_till.services.audit import AuditLog
from tests.fixtures.memory_keyring import MemoryKeyring

KINDS = ("sign_in", "drawer_open", "override_approved", "refund", "void", "sign_out")


def build(data_dir: Path, entries: int, key: bytes) -> None:
    engine = make_engine(data_dir / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    engine.dispose()
    conn = sqlite3.connect(data_dir / "ledger.sqlite3", isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    prev = None
    batch = []
    for seq in range(1, entries + 1):
        row = seal(key, prev, seq, t0 + timedelta(seconds=seq * 7), KINDS[seq % len(KINDS)],
                   f"user{seq % 12}", {"till_id": "T01", "sale_id": f"s-{seq // 3}",
                                       "amount_minor": seq % 10_000, "currency": "EUR"})
        prev = row.link
        batch.append((row.seq, row.at, row.kind, row.actor, row.details, row.link))
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", batch)
    conn.execute("COMMIT")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.entries = 5_000
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    key = os.urandom(32)
    backend.set_password("ireti-till", "audit-key", key.hex())
    with contextlib.ExitStack() as stack:
        data_dir = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        data_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(data_dir, args.entries, key)
        print(f"built {args.entries:,} entries in {time.perf_counter() - start:.1f} s")
        engine = make_engine(data_dir / "ledger.sqlite3")
        factory = SqlStaffUnitOfWorkFactory(engine, read_only=True)

        start = time.perf_counter()
        with factory() as uow:
            count = sum(1 for _ in uow.audit.rows())
        base = time.perf_counter() - start

        audit = AuditLog(factory, key, SystemClock())
        start = time.perf_counter()
        result = audit.verify()
        verify = time.perf_counter() - start
        tracemalloc.start()  # a second, untimed pass: how much memory does verify hold?
        assert audit.verify().ok
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
        assert result.ok and result.checked == count == args.entries, result

        from ireti_till.commands import audit_verify

        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            status = audit_verify.main(["--data-dir", str(data_dir)])
        command = time.perf_counter() - start
        assert status == 0, out.getvalue()

    print(f"baseline (stream rows, no HMAC): {base:.2f} s  ({count / base:,.0f} rows/s)")
    print(f"AuditLog.verify():               {verify:.2f} s  ({count / verify:,.0f} entries/s)")
    print(f"ireti-till audit verify:         {command:.2f} s  -> {out.getvalue().strip()}")
    print(f"ratio verify/baseline: {verify / base:.2f}x; peak Python memory during verify: "
          f"{peak / 2**20:.1f} MiB (streamed in pages of 5000)")


if __name__ == "__main__":
    main()
