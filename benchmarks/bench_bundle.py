"""Bundle figures: build time, unpacked size, frozen start-up time.

    .venv/bin/python benchmarks/bench_bundle.py                 # builds into a temp dir
    .venv/bin/python benchmarks/bench_bundle.py --out DIR       # build.sh --out DIR (kept)
    .venv/bin/python benchmarks/bench_bundle.py --bundle DIR/bundle/ireti-till  # no build

Goals (issue 7): bundle < 160 MB unpacked, cold start of `--version` < 1 s.
Start-up is the median of --runs runs of the frozen `ireti-till --version` (warm page
cache), and a cold-start median: before each of those runs every file of the bundle is
evicted from the page cache (posix_fadvise DONTNEED), so the bundle is read from disk as
after a reboot (system libraries stay cached; the whole page cache cannot be dropped on a
shared machine). Same-run baseline: the unfrozen console script `.venv/bin/ireti-till --version`;
the ratio is frozen / baseline. `--bundle-check` (imports stripe, alembic, keyring and
starts Qt offscreen with our font) is timed too, as the heavier start-up figure.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_MB = 160
GOAL_START_S = 1.0


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def evict(bundle: Path) -> None:
    """Drop the bundle's files from the page cache (clean pages only: they were not written)."""
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def cold_series(cmd: list[str], env: dict[str, str], bundle: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        evict(bundle)
        out.append(timed(cmd, env))
    return out


def series(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    """(first run, median of the rest, max of the rest) in seconds."""
    first = timed(cmd, env)
    rest = [timed(cmd, env) for _ in range(runs)]
    return first, statistics.median(rest), max(rest)


def tree_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(out: Path) -> tuple[Path, float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(REPO / "packaging" / "linux" / "build.sh"), "--out", str(out), "--fast"],
        env={**os.environ, "PYTHON": sys.executable, "IRETI_GPG_KEY": "",
             "IRETI_MINISIGN_KEY": ""},
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build.sh failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    match = re.search(r"^timings \(s\): (.*)$", proc.stdout, re.M)
    return out / "bundle" / "ireti-till", elapsed, match.group(1) if match else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="existing one-folder bundle (skip build)")
    parser.add_argument("--out", type=Path, help="build here and keep it")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true",
                        help="3 runs; without --bundle only the baseline (a build takes minutes)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 3
        if not args.bundle:
            return quick_baseline(args.runs)

    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        if args.bundle:
            bundle, build_s, detail = args.bundle.resolve(), None, "not built in this run"
        else:
            bundle, build_s, detail = build((args.out or Path(tmp) / "out").resolve())
        home = Path(tmp) / "home"
        home.mkdir()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen"}
        exe = bundle / "ireti-till"
        size = tree_size(bundle)
        first, med, worst = series([str(exe), "--version"], env, args.runs)
        cold = cold_series([str(exe), "--version"], env, bundle, max(5, args.runs // 3))
        cold_check = cold_series([str(exe), "--bundle-check"], env, bundle, 3)
        base_first, base_med, _ = series([str(REPO / ".venv" / "bin" / "ireti-till"),
                                          "--version"], env, args.runs)
        chk_first, chk_med, _ = series([str(exe), "--bundle-check"], env, max(3, args.runs // 3))

    print("Ireti Till bundle benchmark")
    if build_s is not None:
        print(f"  build (build.sh --fast, total)     {build_s:7.1f} s   [{detail}]")
    print(f"  bundle unpacked                     {size / 1e6:7.1f} MB  "
          f"({size / 2**20:.1f} MiB; goal < {GOAL_MB} MB: "
          f"{'met' if size / 1e6 < GOAL_MB else 'MISSED'})")
    cold_med = statistics.median(cold)
    print(f"  frozen --version, COLD, median of {len(cold)}  {cold_med * 1000:7.0f} ms  "
          f"(max {max(cold) * 1000:.0f} ms; goal < {GOAL_START_S * 1000:.0f} ms: "
          f"{'met' if cold_med < GOAL_START_S else 'MISSED'})")
    print(f"  frozen --version, warm, median of {args.runs:<3}{med * 1000:7.0f} ms  "
          f"(first {first * 1000:.0f} ms, max {worst * 1000:.0f} ms)")
    print(f"  baseline: venv --version, median    {base_med * 1000:7.0f} ms  "
          f"(first {base_first * 1000:.0f} ms)")
    print(f"  ratio frozen / baseline (medians)   {med / base_med:7.2f}")
    print(f"  frozen --bundle-check, warm median  {chk_med * 1000:7.0f} ms  "
          f"(first {chk_first * 1000:.0f} ms; cold median "
          f"{statistics.median(cold_check) * 1000:.0f} ms)")
    return 0


def quick_baseline(runs: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen"}
        first, med, _ = series([str(REPO / ".venv" / "bin" / "ireti-till"), "--version"], env,
                               runs)
    print("Ireti Till bundle benchmark (--quick: no bundle built; pass --bundle DIR for it)")
    print(f"  baseline: venv --version, median    {med * 1000:7.1f} ms  "
          f"(first {first * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
