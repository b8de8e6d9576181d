"""Cold start of the till vs a bare PySide6 window, and idle RSS, in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--runs 9] [--products 100000]
        [--till-cmd "python -c ..."]   # another entry point, for before/after comparisons
        [--also NAME=CMD ...]          # more till command lines, interleaved in the same run
        [--quick]                      # 7 runs, 20,000 products, one RSS run, no staff timing

For the stdlib read path's worth (composition/tricks.py, trick 1), run it with and without
in the same run: ``--also "nofastread=python DRIVER"`` where DRIVER replaces
``composition.ledger.LedgerOpener.fast_reads`` by one that starts the full open and
returns None, then calls ``app.main``.

Each run is a new process. "Ready" is the moment the first screen takes keyboard input:
the PIN field of the sign-in screen (staff sign-in comes first), or the sale screen's
scan field (the till prints ``IRETI_READY <time>`` under IRETI_BENCH_EXIT_ON_READY=1);
the baseline is a bare PySide6 QMainWindow with one QLineEdit reaching focus the same way.
Both use the same Qt platform (offscreen unless --platform says otherwise); runs are
interleaved so both see the same machine load (the 1-minute load average is printed
before and after: the machine is shared). The till's data directory holds a generated
100,000-product catalog (benchmarks/gen_catalog.py), already imported and migrated (one
warm-up run of each, not counted, also fills the OS file cache).

On an ordinary start the first screen reads through the standard library
(adapters/db/fast_read.py, composition/ledger.py, adapters/sign_in_wiring.py) and the SQLAlchemy
ledger and the staff services open once it has the focus; "ready" is therefore not "the
ledger is open": a PIN typed (or a sale paid) in the first few hundred milliseconds waits
for it once. The
script also reports that moment ("staff services attached", from a small driver that
notes when ``EarlyStaffService.attach`` runs), so the wait is visible.

Floors (issue 2): start-up ratio <= 4x (goal 2x); idle RSS <= 150 MB; ``stripe`` not
imported on the way to the first scan.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

BARE = textwrap.dedent("""
    import os, sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    field = QLineEdit()
    window.setCentralWidget(field)
    window.resize(1280, 720)
    window.show()
    window.activateWindow()
    field.setFocus()
    def ready():
        if not field.hasFocus():
            QTimer.singleShot(1, ready)
            return
        print(f"IRETI_READY {time.time():.6f}", flush=True)
        def finish():
            rss = 0
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
            print(f"IRETI_RSS rss_kb={rss} stripe_loaded={'stripe' in sys.modules}", flush=True)
            app.quit()
        QTimer.singleShot(int(os.environ.get("IRETI_BENCH_IDLE_MS", "0")), finish)
    QTimer.singleShot(0, ready)
    app.exec()
""")


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank (bench_scan uses it too)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def prepare_data_dir(products: int, base: Path) -> Path:
    """A data directory with default config and ``products`` generated products imported."""
    import gen_catalog

    from ireti_till.adapters.config_file import load_config
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.services.catalog_import import import_csv

    data = base / f"data-{products}"
    marker = data / ".bench-ready"
    if marker.exists():
        return data
    data.mkdir(parents=True, exist_ok=True)
    csv_path = base / f"catalog-{products}.csv"
    gen_catalog.write(csv_path, products, 7)
    config = load_config(data)
    ledger = open_ledger(data)
    try:
        with csv_path.open(encoding="utf-8", newline="") as stream:
            result = import_csv(ledger.uow_factory, stream, currency=config.store.currency,
                                tax_codes={r.code for r in config.store.tax_rates},
                                skip_invalid=True)
    finally:
        ledger.close()
    print(f"prepared {data}: {result.imported} products", file=sys.stderr)
    marker.write_text("ok")
    return data


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, int, bool]:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    ready = rss = None
    stripe = False
    for line in out.stdout.splitlines():
        if line.startswith("IRETI_READY "):
            ready = float(line.split()[1])
        elif line.startswith("IRETI_RSS "):
            fields = dict(f.split("=") for f in line.split()[1:])
            rss = int(fields["rss_kb"])
            stripe = fields["stripe_loaded"] == "True"
    if out.returncode != 0 or ready is None or rss is None:
        raise SystemExit(f"run failed ({out.returncode}): {cmd}\n{out.stdout}\n{out.stderr}")
    return ready - start, rss, stripe


STAFF_DRIVER = textwrap.dedent("""
    import sys, time
    from ireti_till.services import staff_early
    attach = staff_early.EarlyStaffService.attach
    def noted(self, real):
        attach(self, real)
        print(f"IRETI_STAFF_READY {time.time():.6f}", flush=True)
    staff_early.EarlyStaffService.attach = noted
    from ireti_till import app
    sys.exit(app.main(sys.argv[1:]))
""")


def staff_ready_once(data: Path, env: dict[str, str]) -> float | None:
    """Seconds from process start until the staff services are attached (None: not a
    fast start, the services were ready with the screen)."""
    start = time.time()
    out = subprocess.run([sys.executable, "-c", STAFF_DRIVER, "--data-dir", str(data)],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("IRETI_STAFF_READY "):
            return float(line.split()[1]) - start
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="cold runs of each (>= 7)")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--idle-ms", type=int, default=1000, help="idle time before RSS")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ireti-bench")
    parser.add_argument("--till-cmd", default=None,
                        help="command line of the till (default: python -m ireti_till); "
                             "--data-dir DIR is appended")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=CMD",
                        help="another till command line, run interleaved with the others in "
                             "the same run and reported beside them (--data-dir is appended)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, seconds (CI): 2 runs, 2,000 products, no idle wait")
    args = parser.parse_args()
    if args.quick:
        args.runs = 2
        args.products = 2_000
        args.idle_ms = 0
    if args.runs < 7 and not args.quick:
        parser.error("--runs must be at least 7 (medians of fewer cold starts are noise)")
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    data = prepare_data_dir(args.products, args.work)
    env = {**os.environ, "QT_QPA_PLATFORM": args.platform, "IRETI_BENCH_EXIT_ON_READY": "1",
           "IRETI_BENCH_IDLE_MS": "0"}
    env.pop("IRETI_DATA_DIR", None)
    till_cmd = (shlex.split(args.till_cmd) if args.till_cmd
                else [sys.executable, "-m", "ireti_till"]) + ["--data-dir", str(data)]
    bare_cmd = [sys.executable, "-c", BARE]
    run_once(till_cmd, env)  # warm the OS file cache for both, not counted
    run_once(bare_cmd, env)
    also = {name: [*shlex.split(cmd), "--data-dir", str(data)]
            for name, cmd in (item.split("=", 1) for item in args.also)}
    for cmd in also.values():
        run_once(cmd, env)
    till_t: list[float] = []
    bare_t: list[float] = []
    also_t: dict[str, list[float]] = {name: [] for name in also}
    stripe_seen = False
    for _ in range(args.runs):
        t, _rss, stripe = run_once(till_cmd, env)
        till_t.append(t)
        stripe_seen |= stripe
        bare_t.append(run_once(bare_cmd, env)[0])
        for name, cmd in also.items():
            also_t[name].append(run_once(cmd, env)[0])
    idle_env = {**env, "IRETI_BENCH_IDLE_MS": str(args.idle_ms)}
    rss_runs = 1 if args.quick else 3
    till_rss = statistics.median(run_once(till_cmd, idle_env)[1] for _ in range(rss_runs))
    bare_rss = statistics.median(run_once(bare_cmd, idle_env)[1] for _ in range(rss_runs))

    staff_t = [] if args.quick else [
        t for t in (staff_ready_once(data, env) for _ in range(5)) if t is not None]
    t_med, b_med = statistics.median(till_t), statistics.median(bare_t)
    ratio = t_med / b_med
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cold start to scan-ready, {args.products} products, {args.runs} runs, "
          f"platform {args.platform}, {os.cpu_count()} CPUs, "
          f"load average {load_before:.2f} before / {load_after:.2f} after")
    print(f"  till       median {t_med * 1000:7.0f} ms   min {min(till_t) * 1000:5.0f}"
          f"   max {max(till_t) * 1000:5.0f} ms")
    print(f"  bare Qt    median {b_med * 1000:7.0f} ms   min {min(bare_t) * 1000:5.0f}"
          f"   max {max(bare_t) * 1000:5.0f} ms")
    for name, times in also_t.items():
        med = statistics.median(times)
        print(f"  {name:<10} median {med * 1000:7.0f} ms   ratio {med / b_med:.2f}x   "
              f"till saves {(med - t_med) / med * 100:5.1f} % of it")
    if staff_t and not args.till_cmd:
        print(f"  staff services attached (a PIN is checked from here), median of "
              f"{len(staff_t)}: {statistics.median(staff_t) * 1000:.0f} ms")
    print(f"  ratio      {ratio:.2f}x   (floor <= 4x, goal 2x)  "
          f"{'PASS' if ratio <= 4 else 'FAIL'}")
    print(f"  stripe imported before the first scan: {stripe_seen}  "
          f"{'FAIL' if stripe_seen else 'PASS'}")
    print(f"idle RSS after {args.idle_ms} ms (median of 3)")
    print(f"  till       {till_rss / 1024:7.1f} MB   (floor <= 150 MB)  "
          f"{'PASS' if till_rss <= 150 * 1024 else 'FAIL'}")
    print(f"  bare Qt    {bare_rss / 1024:7.1f} MB   ratio {till_rss / bare_rss:.2f}x")
    ok = ratio <= 4 and not stripe_seen and till_rss <= 150 * 1024
    return 0 if ok or args.quick else 1  # --quick: it runs, figures are noise


if __name__ == "__main__":
    raise SystemExit(main())
