"""The metrics panel's chart library (pyqtgraph, numpy: ~40 MB of RSS) is imported when the
panel first opens, not when the ops menu is wired at start-up (issue 2: idle RSS)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_late_wiring_modules_do_not_import_the_chart_library() -> None:
    code = textwrap.dedent("""
        import sys
        from ireti_till.composition.tricks import LATE_MODULES
        import importlib
        for name in LATE_MODULES:
            importlib.import_module(name)
        from ireti_till.ui.ops import OpsMenu, install_ops_menu  # noqa: F401
        print(sorted(m for m in ("pyqtgraph", "numpy") if m in sys.modules))
        from ireti_till.ui.ops import MetricsPanel  # the lazy attribute still works
        print(MetricsPanel.__name__, "pyqtgraph" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    assert out == ["[]", "MetricsPanel True"]
