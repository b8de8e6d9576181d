"""``ireti-till validate`` against the built-in emulator: is the checklist under 60 s?

    .venv/bin/python benchmarks/bench_validate.py [--runs 3] [--quick]

Measures, in this process and the same run:

1. baseline: what every validation pays before its first case (start the emulator, make
   and migrate the throwaway ledger, stop);
2. the whole checklist (``validate.main(["--emulator"])``, output discarded), and the
   median time of each category within it.

Prints medians, the ratio of the checklist to the baseline, and whether the median meets
the 60 s goal. ``--quick``: one run of two categories (smoke check for CI).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keyring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests/

from ireti_till.commands import validate
from ireti_till.commands.validation.env import Env
from ireti_till.commands.validation.registry import registry
from ireti_till.commands.validation.report import run_cases
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.fixtures.memory_keyring import MemoryKeyring

GOAL_S = 60.0


def baseline() -> float:
    started = time.perf_counter()
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    with tempfile.TemporaryDirectory() as tmp:
        env = Env(Path(tmp), emu.api_key, emu.base_url, emu)
        env.close()
    emu.stop()
    return time.perf_counter() - started


def checklist(categories: list[str]) -> tuple[float, dict[str, float], int]:
    argv = ["--emulator"] + [f"--category={c}" for c in categories]
    buf = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = validate.main(argv)
    total = time.perf_counter() - started
    if code != 0:
        print(buf.getvalue())
        raise SystemExit(f"validate failed (exit {code})")
    per: dict[str, float] = {}
    emu = Emulator.start(EmulatorConfig(rate_limit=None))  # per-category split, untimed total
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = Env(Path(tmp), emu.api_key, emu.base_url, emu)
            for cat, cases in registry():
                if categories and cat.key not in categories:
                    continue
                with contextlib.redirect_stderr(io.StringIO()):
                    results = run_cases(env, cases)
                per[cat.key] = sum(r.seconds for r in results)
            env.close()
    finally:
        emu.stop()
    return total, per, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    runs = 1 if args.quick else max(1, args.runs)
    cats = ["payments", "security"] if args.quick else []
    base = [baseline() for _ in range(runs)]
    totals: list[float] = []
    per_runs: list[dict[str, float]] = []
    for _ in range(runs):
        total, per, _code = checklist(cats)
        totals.append(total)
        per_runs.append(per)
    b, t = statistics.median(base), statistics.median(totals)
    n = sum(len(c) for cat, c in registry() if not cats or cat.key in cats)
    print(f"cases: {n}{' (quick: ' + ', '.join(cats) + ')' if cats else ''}; runs: {runs}")
    print(f"baseline (emulator + throwaway ledger): median {b:.2f} s")
    print(f"validate --emulator: median {t:.2f} s = {t / b:.1f}x baseline; "
          f"goal <= {GOAL_S:.0f} s: {'met' if t <= GOAL_S else 'MISSED'}")
    for key in per_runs[0]:
        print(f"  {key:<11} median {statistics.median(p[key] for p in per_runs):.2f} s")


if __name__ == "__main__":
    main()
