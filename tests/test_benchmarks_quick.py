"""Every benchmark in benchmarks/ still runs: ``bench_*.py --quick`` exits 0 and prints its
figures (a median or a count, and the ratio against its same-run baseline).

The quick runs are small (seconds each) and their figures are noise on a shared machine, so
no figure is asserted here: a benchmark that crashes, hangs or stops printing fails. A new
``bench_*.py`` is picked up by the glob and must have a ``--quick`` mode too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted((REPO / "benchmarks").glob("bench_*.py"))
#: extra arguments on top of --quick (a small generated catalog instead of 100,000 products)
EXTRA = {"bench_scan.py": ["--products", "2000"]}
#: a measured figure: a decimal number (medians, ratios and rates are printed with decimals)
FIGURE = re.compile(r"\d\.\d")


def test_every_benchmark_has_a_quick_mode() -> None:
    assert len(BENCHMARKS) >= 16
    lacking = [b.name for b in BENCHMARKS if "--quick" not in b.read_text(encoding="utf-8")]
    assert lacking == []


@pytest.mark.slow
@pytest.mark.parametrize("script", BENCHMARKS, ids=[b.name for b in BENCHMARKS])
def test_the_quick_run_exits_0_and_prints_its_figures(script: Path, tmp_path: Path) -> None:
    args = [sys.executable, str(script), "--quick", *EXTRA.get(script.name, [])]
    if '"--work"' in script.read_text(encoding="utf-8"):
        args += ["--work", str(tmp_path / "work")]  # its generated data, not a shared cache
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("IRETI_DATA_DIR", None)
    out = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env,
                         cwd=tmp_path, check=False)
    assert out.returncode == 0, f"{script.name} --quick failed:\n{out.stdout}\n{out.stderr}"
    assert FIGURE.search(out.stdout), f"{script.name} printed no figure:\n{out.stdout}"
    assert re.search(r"baseline|ratio", out.stdout, re.IGNORECASE), out.stdout
