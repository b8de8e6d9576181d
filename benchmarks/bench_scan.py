"""Scan-to-line-shown latency on the real sale screen with a 100,000-product catalog.

    .venv/bin/python benchmarks/bench_scan.py [--scans 400] [--rounds 3] [--products 100000]
        [--quick]

Each sample: a barcode is typed into the focused scan field, then the clock starts, Enter
is pressed, and the clock stops once the event loop has processed the repaint of the new
basket row (``processEvents()`` after the key, with the row verified in the model). The
till runs offscreen (or ``--platform``), on the real SQLite ledger, in one process.

Baseline in the same run: the same barcodes looked up with bare ``sqlite3`` (one indexed
SELECT) and appended to a ``QStandardItemModel`` in a plain ``QTableView``, repainted the
same way. Baskets are cancelled every 40 lines, as a till starts new sales.

Floor (issue 2): p99 <= 16 ms (one frame at 60 Hz).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_startup import pct, prepare_data_dir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ireti-bench")
    parser.add_argument("--quick", action="store_true", help="100 scans, one round")
    args = parser.parse_args()
    if args.quick:
        args.scans, args.rounds = 100, 1
    os.environ["QT_QPA_PLATFORM"] = args.platform
    data = prepare_data_dir(args.products, args.work)
    with (args.work / f"catalog-{args.products}.csv").open(encoding="utf-8") as f:
        codes = [r["gtin"] for r in csv.DictReader(f) if r["gtin"] and r["active"] == "yes"]
    rng = random.Random(11)
    sample = [rng.choice(codes) for _ in range(args.scans)]

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QTableView

    from ireti_till.app import build_till
    from ireti_till.composition.tricks import drop_pyside_source_cache
    from ireti_till.ui.application import qt_app

    app = qt_app(before=drop_pyside_source_cache)
    till = build_till(data, force_training=True, cashier="bench")
    window = till.window
    window.show()
    window.activateWindow()
    deadline = time.monotonic() + 10
    while not window.scan.field.hasFocus() and time.monotonic() < deadline:
        app.processEvents()
    field, model = window.scan.field, window.table.basket_model

    # baseline: bare sqlite3 + a plain table
    conn = sqlite3.connect(data / "ledger.sqlite3")
    table_name = next(t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%product%'"))
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table_name})")]
    gtin_col = next(c for c in columns if "gtin" in c)
    name_col = next(c for c in columns if c == "name" or c.endswith("name"))
    bare_model = QStandardItemModel(0, 3)
    bare_view = QTableView()
    bare_view.setModel(bare_model)
    bare_view.resize(900, 600)
    bare_view.show()

    def one_round() -> tuple[list[float], list[float]]:
        till_ms: list[float] = []
        bare_ms: list[float] = []
        for i, code in enumerate(sample):
            if i % 40 == 0:
                till.service.cancel_sale()
                window.controller.show_basket(till.service.view())
                bare_model.removeRows(0, bare_model.rowCount())
                app.processEvents()
            rows_before = model.rowCount()
            field.setText(code)
            t0 = time.perf_counter()
            QTest.keyClick(field, Qt.Key.Key_Return)
            app.processEvents()
            till_ms.append((time.perf_counter() - t0) * 1000)
            if model.rowCount() != rows_before + 1:
                raise SystemExit(f"scan {code} was not added: {window.messages.text()}")

            t0 = time.perf_counter()
            row = conn.execute(f"SELECT {name_col} FROM {table_name} WHERE {gtin_col} = ?",
                               (code,)).fetchone()
            bare_model.appendRow([QStandardItem(str(row[0])), QStandardItem("1"),
                                  QStandardItem("1.00")])
            bare_view.scrollToBottom()
            app.processEvents()
            bare_ms.append((time.perf_counter() - t0) * 1000)
        return till_ms, bare_ms

    print(f"scan to line shown, {args.scans} scans x {args.rounds} rounds, "
          f"{args.products} products, platform {args.platform}")
    results = []
    for n in range(args.rounds):
        till_ms, bare_ms = one_round()
        t50, t95, t99 = (statistics.median(till_ms), pct(till_ms, 0.95), pct(till_ms, 0.99))
        b50, b99 = statistics.median(bare_ms), pct(bare_ms, 0.99)
        results.append((t99, t50, b99, b50))
        print(f"  round {n + 1}: till p50 {t50:6.2f} p95 {t95:6.2f} p99 {t99:6.2f} ms"
              f"   bare p50 {b50:6.2f} p99 {b99:6.2f} ms   ratio p50 {t50 / b50:.2f}x"
              f" p99 {t99 / b99:.2f}x")
    till.close()
    t99, t50, b99, b50 = sorted(results)[len(results) // 2]  # the median round by p99
    print(f"  median round: till p50 {t50:.2f} ms, p99 {t99:.2f} ms; "
          f"bare p50 {b50:.2f} ms, p99 {b99:.2f} ms (sqlite3 + QStandardItemModel)")
    print(f"  floor p99 <= 16 ms: {'PASS' if t99 <= 16 else 'FAIL'}  (a shared machine's load"
          " shows in both columns: compare with the bare p99)", flush=True)
    return 0 if t99 <= 16 or args.quick else 1  # --quick: it runs, figures are noise


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # Skip interpreter teardown: widgets destroyed during garbage collection at exit only
    # add noise (and with PySide6 6.12.0 on Python 3.11 could abort: tests/ui/test_qt_binding.py).
    os._exit(code)
