"""Backup time for a ledger of 1,000,000 sales (one line and one tender each).

    .venv/bin/python benchmarks/bench_backup.py [--sales N] [--keep]

Builds the ledger with the real migrations, fills ``sales``, ``sale_lines`` and
``sale_tenders`` with ``executemany``, then times ``SqliteBackupArchive.create`` (online
backup + integrity_check + fsync + atomic rename) and, as the same-run baseline, a plain
file copy of the same database (``shutil.copyfile``) that checks nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import DB_FILENAME

BATCH = 50_000


def build(db: Path, sales: int) -> None:
    engine = make_engine(db)
    migrate.upgrade(engine, target="heads")
    engine.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for first in range(0, sales, BATCH):
        s_rows, l_rows, t_rows = [], [], []
        for n in range(first, min(sales, first + BATCH)):
            sid = str(uuid.UUID(int=n + 1))
            when = (start + timedelta(seconds=30 * n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            total = 100 + n % 5000
            s_rows.append((sid, "T01", n + 1, "alice", when, when, "EUR", total, 0,
                           total // 6, total, 0, 0))
            l_rows.append((sid, 1, f"SKU{n % 900:05d}", None, f"Product {n % 900}", 1, "EUR",
                           total, total, 0, total, "S", total // 6, None, 0))
            t_rows.append((sid, 1, "card" if n % 2 else "cash", "EUR", total, total, 0,
                           f"pi_{n:024d}" if n % 2 else None, "visa" if n % 2 else None,
                           "4242"[:4] if n % 2 else None))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO sales (id, till_id, receipt_no, cashier, started_at, "
                         "completed_at, currency, subtotal_minor, discount_total_minor, "
                         "tax_total_minor, total_minor, change_minor, training) VALUES "
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?)", s_rows)
        conn.executemany("INSERT INTO sale_lines (sale_id, line_no, sku, gtin, name, quantity, "
                         "currency, unit_price_minor, list_price_minor, discount_minor, "
                         "total_minor, tax_code, tax_minor, override_reason, voided) VALUES "
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", l_rows)
        conn.executemany("INSERT INTO sale_tenders (sale_id, seq, kind, currency, amount_minor, "
                         "tendered_minor, change_minor, reference, card_brand, card_last4) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?)", t_rows)
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.sales = 5_000
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    db = work / DB_FILENAME
    t0 = time.perf_counter()
    build(db, args.sales)
    print(f"built {args.sales} sales in {time.perf_counter() - t0:.1f} s; "
          f"database {db.stat().st_size / 1e6:.0f} MB")
    archive = SqliteBackupArchive(db, work / "backups")
    backup_s, copy_s = [], []
    for i in range(args.rounds):
        t = time.perf_counter()
        record = archive.create(datetime.now(UTC) + timedelta(seconds=i))
        backup_s.append(time.perf_counter() - t)
        assert record.verified and record.sales == args.sales
        t = time.perf_counter()
        shutil.copyfile(db, work / "plain-copy.sqlite3")
        copy_s.append(time.perf_counter() - t)
        archive.remove(record)
    b, c = statistics.median(backup_s), statistics.median(copy_s)
    print(f"verified backup: median {b:.2f} s ({record.size / 1e6:.0f} MB, integrity ok)")
    print(f"plain file copy: median {c:.2f} s (baseline; no consistency, no check)")
    print(f"ratio backup / copy: {b / c:.1f}x over {args.rounds} rounds")
    if not args.keep:
        shutil.rmtree(work)
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
