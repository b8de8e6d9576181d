"""Scan lookups and search: the stdlib read path vs the SQLAlchemy repository, same run.

    .venv/bin/python benchmarks/bench_fast_read.py [--products 100000] [--scans 2000]

Uses the data directory of bench_startup.py (a generated catalog, already imported).
Each scan is ``product_lookup.by_code`` through one read unit of work, as the sale screen
does; search is ``product_lookup.search`` (limit 50) for name prefixes. Prints p50/p99 of each path
and the ratio fast/SQLAlchemy (lower is better; the floor for a scan shown is 16 ms).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call: Callable[[str], object], inputs: list[str]) -> list[float]:
    out = []
    for item in inputs:
        start = time.perf_counter()
        call(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ireti-bench")
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.products = 2_000
        args.scans = 200
    from bench_startup import prepare_data_dir

    from ireti_till.adapters.db.fast_read import FastReads
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.services import product_lookup

    data = prepare_data_dir(args.products, args.work)
    ledger = open_ledger(data)
    reads = FastReads(ledger.path)
    conn = sqlite3.connect(ledger.path)
    rows = conn.execute("SELECT gtin, name FROM products WHERE gtin IS NOT NULL AND active"
                        ).fetchall()
    conn.close()
    rng = random.Random(7)
    codes = [rng.choice(rows)[0] for _ in range(args.scans)]
    prefixes = [rng.choice(rows)[1][:rng.randint(2, 6)] for _ in range(max(50, args.scans // 20))]
    try:
        for factory in (ledger.read_uow, reads):
            product_lookup.by_code(factory, codes[0])  # warm: compile, caches
        results = {}
        for name, factory in (("sqlalchemy", ledger.read_uow), ("stdlib", reads)):
            scan = timed(partial(product_lookup.by_code, factory), codes)
            search = timed(partial(product_lookup.search, factory), prefixes)
            results[name] = (scan, search)
    finally:
        reads.close()
        ledger.close()
    print(f"{args.products} products, {len(codes)} scans, {len(prefixes)} searches")
    for label, index in (("scan lookup", 0), ("search (50)", 1)):
        base, fast = results["sqlalchemy"][index], results["stdlib"][index]
        print(f"  {label:12} sqlalchemy p50 {pct(base, .5):6.3f} ms p99 {pct(base, .99):6.3f} ms"
              f" | stdlib p50 {pct(fast, .5):6.3f} ms p99 {pct(fast, .99):6.3f} ms"
              f" | ratio p50 {pct(fast, .5) / pct(base, .5):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
