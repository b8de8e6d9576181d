"""Idle RSS of the till (training mode, nobody signed in) vs a bare PySide6 window.

    .venv/bin/python benchmarks/bench_idle_rss.py [--runs 5] [--settle-ms 3000] [--modules]

Each run is a new process started offscreen in a new temporary data directory: the first
start (migrations, training catalog) and then a second start of the same directory (the
fast path). "Idle" is: the first screen is up, the late wiring is done (ops menu and jobs,
card tender), card payments are ready (``till.payments.worker`` started, the training
reader registered, so the worker's first connectivity and recovery jobs have run or are
running) and then ``--settle-ms`` more milliseconds of doing nothing. The process then
reads ``VmRSS`` and ``RssAnon`` from /proc/self/status (Linux). The training emulator runs
in a child process; its RSS is reported on its own line (it is another process: the
floor is about the till's). The baseline is a bare QMainWindow with one QLineEdit, idling
the same ``--settle-ms``, in the same run (runs interleaved).

Floor (issue 2): idle RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

BARE = textwrap.dedent("""
    import os, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    field = QLineEdit()
    window.setCentralWidget(field)
    window.resize(1280, 720)
    window.show()
    field.setFocus()
    def finish():
        st = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
        print(f"IRETI_IDLE rss_kb={int(st['VmRSS'].split()[0])} "
              f"anon_kb={int(st['RssAnon'].split()[0])} child_kb=0", flush=True)
        app.exit(0)
    QTimer.singleShot(int(os.environ["IRETI_SETTLE_MS"]), finish)
    app.exec()
""")

#: wraps ``app.main``: captures the till, waits for "idle", prints RSS and heavy modules
DRIVER = textwrap.dedent("""
    import os, sys
    from ireti_till import app
    HEAVY = ("stripe", "pyqtgraph", "numpy", "apscheduler", "sqlalchemy", "sqlalchemy.orm",
             "keyring", "secretstorage", "cryptography", "hdrh", "ireti_till.training",
             "jeepney", "requests", "aiohttp", "alembic")
    settle = int(os.environ["IRETI_SETTLE_MS"])
    real_build = app.compose
    holder = {}
    def build_till(*a, **k):
        till = real_build(*a, **k)
        holder["till"] = till
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        def status(pid="self"):
            st = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status") if ":" in l)
            return int(st["VmRSS"].split()[0]), int(st["RssAnon"].split()[0])
        def finish():
            rss, anon = status()
            child = 0
            emu = getattr(till.payments.peek(), "emulator", None)
            pid = getattr(emu, "pid", None)
            if pid:
                child = status(pid)[0]
            print(f"IRETI_IDLE rss_kb={rss} anon_kb={anon} child_kb={child}", flush=True)
            print("IRETI_MODULES " + " ".join(m for m in HEAVY if m in sys.modules),
                  flush=True)
            QApplication.instance().exit(0)
        def poll():
            p = till.payments.peek()
            if p is None or p.worker is None or (p.thread is not None and p.thread.is_alive()):
                QTimer.singleShot(50, poll)
                return
            QTimer.singleShot(settle, finish)
        QTimer.singleShot(50, poll)
        return till
    app.compose = build_till
    sys.exit(app.main(sys.argv[1:]))
""")


def parse(out: subprocess.CompletedProcess[str]) -> tuple[int, int, int, str]:
    rss = anon = child = 0
    modules = ""
    seen = False
    for line in out.stdout.splitlines():
        if line.startswith("IRETI_IDLE "):
            fields = dict(f.split("=") for f in line.split()[1:])
            rss, anon, child = (int(fields[k]) for k in ("rss_kb", "anon_kb", "child_kb"))
            seen = True
        elif line.startswith("IRETI_MODULES"):
            modules = line[len("IRETI_MODULES"):].strip()
    if out.returncode != 0 or not seen:
        raise SystemExit(f"run failed ({out.returncode}):\n{out.stdout}\n{out.stderr[-3000:]}")
    return rss, anon, child, modules


def run(cmd: list[str], env: dict[str, str]) -> tuple[int, int, int, str]:
    return parse(subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180,
                                check=False))


def mb(kb: float) -> str:
    return f"{kb / 1024:6.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (>= 5)")
    parser.add_argument("--settle-ms", type=int, default=3000)
    parser.add_argument("--modules", action="store_true", help="print heavy modules loaded")
    parser.add_argument("--pythonpath", default=None,
                        help="put this first on PYTHONPATH (e.g. an older tree from "
                             "`git archive REV ireti_till | tar -x -C DIR`, for before/after)")
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
        args.settle_ms = 300
    if args.runs < 5 and not args.quick:
        parser.error("--runs must be at least 5")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IRETI_SETTLE_MS": str(args.settle_ms)}
    env.pop("IRETI_DATA_DIR", None)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    first: list[tuple[int, int, int, str]] = []
    second: list[tuple[int, int, int, str]] = []
    bare: list[int] = []
    for _ in range(args.runs):
        data = Path(tempfile.mkdtemp(prefix="ireti-idle-"))
        try:
            cmd = [sys.executable, "-c", DRIVER, "--data-dir", str(data), "--training"]
            first.append(run(cmd, env))
            second.append(run(cmd, env))
        finally:
            shutil.rmtree(data, ignore_errors=True)
        bare.append(run([sys.executable, "-c", BARE], env)[0])
    b = statistics.median(bare)
    if args.pythonpath:
        print(f"(ireti_till from {args.pythonpath})")
    print(f"idle RSS, training mode, nobody signed in, {args.settle_ms} ms after card "
          f"payments are ready; medians of {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"  bare PySide6 window        VmRSS {mb(b)}")
    ok = True
    for label, rows in (("till, first start", first), ("till, second start", second)):
        rss = statistics.median(r[0] for r in rows)
        anon = statistics.median(r[1] for r in rows)
        child = statistics.median(r[2] for r in rows)
        ok &= rss <= 150 * 1024
        print(f"  {label:<26} VmRSS {mb(rss)}  RssAnon {mb(anon)}  ratio {rss / b:.2f}x  "
              f"(floor <= 150 MB) {'PASS' if rss <= 150 * 1024 else 'FAIL'}"
              f"   emulator child VmRSS {mb(child)}")
        if args.modules:
            print(f"    heavy modules loaded: {rows[-1][3] or '-'}")
    return 0 if ok or args.quick else 1  # --quick: it runs, figures are noise


if __name__ == "__main__":
    raise SystemExit(main())
