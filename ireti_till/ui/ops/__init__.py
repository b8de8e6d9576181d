"""Operations views: payment metrics panel, till health view, support bundle dialog.

Wiring (main_window.py / app.py)::

    from ireti_till.ui.ops import OpsServices, install_ops_menu
    install_ops_menu(window, OpsServices(
        metrics_query=MetricsQuery(SqlMetricsStore(ledger.engine)),      # app.py builds it
        run_health=lambda: run_doctor(data_dir),                         # HealthReport
        write_bundle=lambda target, progress: write_support_bundle(data_dir, target, progress),
        can_view_metrics=lambda: current_user_role() in ("supervisor", "admin"),
        panel_status=lambda: run_doctor(data_dir, only=PANEL_CHECKS).checks,
    ))

That adds "View > Payment metrics" (Ctrl+M) and "Help > Till health…", "Help > Support
bundle…"; each opens one non-modal window, reused on the next call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ireti_till.ui.ops.bundle_dialog import SupportBundleDialog
from ireti_till.ui.ops.health_view import HealthView
from ireti_till.ui.ops.menu import OpsMenu, OpsServices, install_ops_menu

if TYPE_CHECKING:
    from ireti_till.ui.ops.metrics_panel import MetricsPanel


def __getattr__(attr: str) -> Any:
    # MetricsPanel brings pyqtgraph and numpy (~40 MB of RSS): loaded only when asked for
    # (the menu imports it when the panel first opens), never at start-up.
    if attr == "MetricsPanel":
        from ireti_till.ui.ops.metrics_panel import MetricsPanel

        return MetricsPanel
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")

__all__ = ["HealthView", "MetricsPanel", "OpsMenu", "OpsServices", "SupportBundleDialog",
           "install_ops_menu"]
