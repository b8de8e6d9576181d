"""Ledger benchmarks, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_ledger.py [--sales 400] [--products 100000]

1. Completed-sale commit (5 lines, 1 tax line, 1 cash tender, receipt number allocated)
   through ``SqlUnitOfWork`` vs the same rows written by bare ``sqlite3`` in one
   ``synchronous=FULL`` WAL transaction. Floor: p50 ratio <= 3x. Runs are interleaved so
   both see the same disk.
2. Import of a generated 100,000-row catalog CSV (validate every row, then write in one
   transaction). Floor: <= 10 s. Baseline: ``csv.reader`` + ``executemany`` with no checks.
3. Catalog search over those products (name/SKU/GTIN prefix, then "contains"): p50/p99 ms
   vs a bare indexed prefix query.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

import gen_catalog  # noqa: E402
from test_ledger_fixtures import make_sale  # noqa: E402

from ireti_till.adapters.db.base import utc_text  # noqa: E402
from ireti_till.adapters.db.engine import apply_pragmas  # noqa: E402
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger  # noqa: E402
from ireti_till.services.catalog_import import import_csv  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, ours: list[float], base: list[float], floor: float | None) -> None:
    p50, p99 = statistics.median(ours), pct(ours, 0.99)
    b50, b99 = statistics.median(base), pct(base, 0.99)
    ratio = p50 / b50
    verdict = "" if floor is None else ("  OK" if ratio <= floor else f"  OVER {floor}x")
    print(f"{label:<28} p50 {p50:8.3f} ms  p99 {p99:8.3f} ms | baseline p50 {b50:8.3f} ms "
          f"p99 {b99:8.3f} ms | ratio p50 {ratio:5.2f}x p99 {p99 / b99:5.2f}x{verdict}")


def bare_sale(conn: sqlite3.Connection, sale: object) -> None:
    s = sale  # a CompletedSale, written column for column like the repository does
    conn.execute("BEGIN IMMEDIATE")
    row = conn.execute("UPDATE receipt_counters SET last_no = last_no + 1 WHERE till_id = ? "
                       "RETURNING last_no", (s.till_id,)).fetchone()  # type: ignore[attr-defined]
    if row is None:
        conn.execute("INSERT INTO receipt_counters VALUES (?, 1)", (s.till_id,))  # type: ignore[attr-defined]
        row = (1,)
    sid = str(s.sale_id)  # type: ignore[attr-defined]
    conn.execute(
        "INSERT INTO sales VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sid, s.till_id, row[0], s.cashier, utc_text(s.started_at),  # type: ignore[attr-defined]
         utc_text(s.completed_at), s.currency, s.subtotal.minor,  # type: ignore[attr-defined]
         s.discount_total.minor, s.tax_total.minor, s.total.minor, s.change.minor,  # type: ignore[attr-defined]
         s.training))  # type: ignore[attr-defined]
    conn.executemany(
        "INSERT INTO sale_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sid, ln.line_no, ln.sku, ln.gtin, ln.name, ln.quantity, ln.total.currency,
          ln.unit_price.minor, ln.list_price.minor, ln.discount.minor, ln.total.minor,
          ln.tax_code, ln.tax.minor, ln.override_reason, ln.voided) for ln in s.lines])  # type: ignore[attr-defined]
    conn.executemany("INSERT INTO sale_taxes VALUES (?,?,?,?,?,?,?)",
                     [(sid, t.tax_code, t.rate_text, t.gross.currency, t.net.minor, t.tax.minor,
                       t.gross.minor) for t in s.taxes])  # type: ignore[attr-defined]
    conn.executemany("INSERT INTO sale_tenders VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [(sid, i, t.kind, t.amount.currency, t.amount.minor, t.tendered.minor,
                       t.change.minor, t.reference, t.card_brand, t.card_last4)
                      for i, t in enumerate(s.tenders, 1)])  # type: ignore[attr-defined]
    conn.execute("COMMIT")


def bench_commit(root: Path, n: int) -> None:
    ours_dir, base_dir = root / "ours", root / "base"
    ours_dir.mkdir()
    base_dir.mkdir()
    ledger = open_ledger(ours_dir)
    open_ledger(base_dir).close()  # the same schema for the baseline
    raw = sqlite3.connect(base_dir / DB_FILENAME)
    apply_pragmas(raw)
    ours: list[float] = []
    base: list[float] = []
    cpu = [0.0, 0.0]  # process CPU time: less disturbed by fsync latency and busy neighbours
    for i in range(n + 20):
        a, b = make_sale(i, lines=5), make_sale(i, lines=5)
        c0, t0 = time.process_time(), time.perf_counter()
        with ledger.uow_factory() as uow:
            uow.sales.add(a)
            uow.commit()
        c1, t1 = time.process_time(), time.perf_counter()
        bare_sale(raw, b)
        c2, t2 = time.process_time(), time.perf_counter()
        if i >= 20:  # warm-up
            ours.append((t1 - t0) * 1000)
            base.append((t2 - t1) * 1000)
            cpu[0] += c1 - c0
            cpu[1] += c2 - c1
    raw.close()
    ledger.close()
    line("sale commit (5 lines)", ours, base, 3.0)
    print(f"{'sale commit CPU time':<28} mean {cpu[0] / n * 1000:8.3f} ms | baseline mean "
          f"{cpu[1] / n * 1000:8.3f} ms | ratio {cpu[0] / cpu[1]:5.2f}x")


def bench_import(root: Path, count: int) -> Path:
    csv_path = root / f"catalog-{count}.csv"
    gen_catalog.write(csv_path, count, seed=7)
    data = root / "import"
    data.mkdir()
    ledger = open_ledger(data)
    t0 = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        result = import_csv(ledger.uow_factory, stream, currency="EUR",
                            tax_codes={"S", "R", "Z"})
    ours = time.perf_counter() - t0
    ledger.close()
    base_dir = root / "import-base"
    base_dir.mkdir()
    open_ledger(base_dir).close()
    raw = sqlite3.connect(base_dir / DB_FILENAME)
    apply_pragmas(raw)
    t0 = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(io.StringIO(stream.read())))[1:]
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?)",
                    [(r[0], r[1], r[2], r[2].casefold(), int(r[3].replace(".", "")), "EUR",
                      r[4], r[5] == "yes") for r in rows])
    raw.execute("COMMIT")
    base = time.perf_counter() - t0
    raw.close()
    verdict = "OK" if ours <= 10 else "OVER the 10 s floor"
    print(f"import {result.imported:,} rows        {ours:8.2f} s (validate + write) | baseline "
          f"(no checks) {base:6.2f} s | ratio {ours / base:5.2f}x  {verdict}")
    return data


def bench_search(data: Path, repeats: int) -> None:
    ledger = open_ledger(data)
    raw = sqlite3.connect(data / DB_FILENAME)
    queries = ["mil", "Northway", "golden field sou", "lager", "DAI-00", "2000000509",
               "choc", "bread", "zzzz", "spinach"]
    ours: list[float] = []
    base: list[float] = []
    for _ in range(repeats):
        for q in queries:
            t0 = time.perf_counter()
            with ledger.read_uow() as uow:
                uow.catalog.search(q)
            t1 = time.perf_counter()
            needle = q.casefold()
            raw.execute("SELECT sku, gtin, name, unit_price_minor, currency, tax_code, active "
                        "FROM products WHERE name_fold >= ? AND name_fold < ? "
                        "ORDER BY name_fold LIMIT 50", (needle, needle + "\U0010ffff")).fetchall()
            t2 = time.perf_counter()
            ours.append((t1 - t0) * 1000)
            base.append((t2 - t1) * 1000)
    raw.close()
    ledger.close()
    line("search 100k (all queries)", ours, base, None)
    for label, wanted in (("prefix", {"Northway", "golden field sou", "DAI-00", "2000000509"}),
                          ("contains", {"mil", "lager", "choc", "bread", "zzzz", "spinach"})):
        picked = [o for i, o in enumerate(ours) if queries[i % len(queries)] in wanted]
        print(f"{'search 100k (' + label + ')':<28} p50 {statistics.median(picked):8.3f} ms  "
              f"p99 {pct(picked, 0.99):8.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description="ledger benchmarks")
    parser.add_argument("--sales", type=int, default=400)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--search-repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.sales = 40
        args.products = 2_000
        args.search_repeats = 3
    with tempfile.TemporaryDirectory(prefix="ireti-bench-", dir=HERE.parent) as tmp:
        root = Path(tmp)  # on the repo's disk, not a RAM-backed /tmp: fsync must be real
        bench_commit(root, args.sales)
        data = bench_import(root, args.products)
        bench_search(data, args.search_repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
