"""Z report over a busy shift, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_zreport.py [--sales 10000] [--quick]

Builds a shift of N sales (cash, card and split tenders, two tax rates, three cashiers,
paid in/out, refunds) and times ``ShiftService.x_report()`` (every total of the Z, through
the unit of work) against one bare ``sqlite3`` ``SUM(total_minor)`` over the same shift's
rows. Floor: median <= 200 ms. The ratio says what the rest of the Z costs over one SUM.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

from trading_day_support import SETTINGS, Clock, count, eur, sale  # noqa: E402

from ireti_till.adapters.db.ledger import open_ledger  # noqa: E402
from ireti_till.services.shifts import ShiftService  # noqa: E402


def build(data_dir: Path, n: int) -> tuple[ShiftService, str]:
    ledger = open_ledger(data_dir)
    shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
    shift = shifts.open("ada", count(n1000=10))
    cashiers = ("ada", "bob", "cy")
    with ledger.uow_factory() as u:
        for i in range(n):
            total = 100 + (i * 37) % 9000
            kind = i % 3
            s = (sale(total, cash=total, tendered=total + (i % 5) * 100, cashier=cashiers[i % 3])
                 if kind == 0 else
                 sale(total, card=total, rate="7%", code="R", cashier=cashiers[i % 3])
                 if kind == 1 else
                 sale(total, cash=total // 2, card=total - total // 2, cashier=cashiers[i % 3]))
            u.sales.add(s)
        u.commit()
    shifts.paid_in("ada", eur(2000), "bank")
    shifts.paid_out("ada", eur(500), "window cleaner")
    return shifts, shift.shift_id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="2,000 sales, 5 runs")
    args = parser.parse_args()
    n, runs = (2_000, 5) if args.quick else (args.sales, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        shifts, shift_id = build(Path(tmp), n)
        print(f"built a shift of {n} sales in {time.perf_counter() - started:.1f} s")
        bare = sqlite3.connect(Path(tmp) / "ledger.sqlite3")
        ours: list[float] = []
        base: list[float] = []
        for _ in range(runs):  # interleaved, so both see the same cache and disk
            t = time.perf_counter()
            x = shifts.x_report()
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            (total,) = bare.execute("SELECT sum(total_minor) FROM sales WHERE shift_id = ?",
                                    (shift_id,)).fetchone()
            base.append((time.perf_counter() - t) * 1000)
        bare.close()
        assert total == x.sales_total and x.sales_count == n
    m, b = statistics.median(ours), statistics.median(base)
    verdict = "OK" if m <= 200 else "OVER the 200 ms floor"
    print(f"Z report of {n} sales: median {m:.1f} ms (max {max(ours):.1f}) | bare SUM median "
          f"{b:.2f} ms | ratio {m / b:.1f}x | {verdict}")
    return 0 if m <= 200 or args.quick else 1  # quick mode: the figures are noise


if __name__ == "__main__":
    sys.exit(main())
