"""The health check and the support bundle as the running till's ops menu uses them
(``app.main`` hands ``ops_tools()`` to ``compose()``; the commands load on first use), so
the composition root never imports a command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.composition.till import OpsTools

if TYPE_CHECKING:
    from ireti_till.services.health import HealthReport
    from ireti_till.services.support_bundle import Progress


def _health(data_dir: Path) -> HealthReport:
    from ireti_till.commands.doctor import run_doctor

    return run_doctor(data_dir)


def _panel(data_dir: Path) -> HealthReport:
    from ireti_till.commands.doctor import PANEL_CHECKS, run_doctor

    return run_doctor(data_dir, only=PANEL_CHECKS)


def _bundle(data_dir: Path, target: Path | None, progress: Progress | None) -> Path:
    from ireti_till.commands.support_bundle import write_support_bundle

    return write_support_bundle(data_dir, target, progress)


def ops_tools() -> OpsTools:
    return OpsTools(_health, _panel, _bundle)
