"""The payment metrics panel (Ctrl+M, supervisors and admins).

Shows, for the last hour / day / week: success rate and tender latency percentiles as
charts, latency per operation, declines by code, errors by category, refunds, queue gauges,
and the till's status lines (Stripe, reader, queue, capture deadlines) from the health view.
Data comes from a ``MetricsQuery`` (services) on a pool thread, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.services.health import CheckResult
from ireti_till.services.metrics_query import MetricsQuery, MetricsView, Window, view_to_csv
from ireti_till.ui.dialogs.asks import ask_save_path
from ireti_till.ui.ops.charts import TimeSeriesChart
from ireti_till.ui.tasks import Task
from ireti_till.ui.theme import name

StatusProvider = Callable[[], Sequence[CheckResult]]
_STATUS_CHECKS = ("stripe", "reader", "queue", "queue-attention", "capture-deadline", "clock")


def _table(headers: Sequence[str], object_name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    name(table, object_name)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("—" if value is None else str(value))
            if isinstance(value, int | float):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class MetricsPanel(QWidget):
    """``MetricsPanel(query, status_provider=None)``; ``refresh()`` reloads in the background.

    Signals: ``refreshed(MetricsView)`` after the widgets show new data; ``failed(str)``."""

    refreshed = Signal(object)
    failed = Signal(str)

    def __init__(self, query: MetricsQuery, status_provider: StatusProvider | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Payment metrics")
        name(self, "metrics_panel", "Payment success rate, latency, declines and errors")
        self._query = query
        self._status_provider = status_provider
        self.view: MetricsView | None = None
        self._call: Task[object] = Task(self, self._show, lambda exc: self._fail(exc.message),
                                        what="loading the metrics")

        self.window_box = QComboBox()
        for w in Window:
            self.window_box.addItem(f"Last {w.value}", w.value)
        name(self.window_box, "metrics_window", "Time window")
        self.window_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton("Refresh (F5)")
        self.refresh_button.setShortcut("F5")
        name(self.refresh_button, "metrics_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        name(self.export_button, "metrics_export")
        self.export_button.clicked.connect(self._choose_export)
        self.summary = QLabel("Loading…")
        name(self.summary, "metrics_summary")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        name(self.status_label, "metrics_status")

        top = QHBoxLayout()
        top.addWidget(self.window_box)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        top.addStretch(1)

        self.success_chart = TimeSeriesChart("Success rate", "%", y_range=(0, 100))
        self.latency_chart = TimeSeriesChart("Tender latency", "ms")
        self.latency_table = _table(["operation", "count", "p50 ms", "p95 ms", "p99 ms",
                                     "max ms"], "metrics_latency")
        self.declines_table = _table(["decline code", "count"], "metrics_declines")
        self.errors_table = _table(["error category", "count"], "metrics_errors")
        self.other_table = _table(["measure", "value"], "metrics_other")

        grid = QGridLayout()
        grid.addWidget(self.success_chart, 0, 0)
        grid.addWidget(self.latency_chart, 0, 1)
        grid.addWidget(self.latency_table, 1, 0, 1, 2)
        grid.addWidget(self.declines_table, 2, 0)
        grid.addWidget(self.errors_table, 2, 1)
        grid.addWidget(self.other_table, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.status_label)
        layout.addLayout(grid)

    @property
    def busy(self) -> bool:
        return self._call.running

    def selected_window(self) -> Window:
        value = self.window_box.currentData()
        try:
            return Window(str(value))
        except ValueError:
            return Window.HOUR

    def refresh(self) -> None:
        window = self.selected_window()
        query, provider = self._query, self._status_provider

        def load() -> tuple[MetricsView, Sequence[CheckResult]]:
            return query.view(window), (tuple(provider()) if provider else ())

        self.refresh_button.setEnabled(False)
        self._call.start(load)

    def _fail(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.summary.setText(f"Metrics could not be loaded: {message} (IT-530)")
        self.failed.emit(message)

    def _show(self, result: object) -> None:
        assert isinstance(result, tuple)
        view: MetricsView = result[0]
        checks: Sequence[CheckResult] = result[1]
        self.view = view
        self.refresh_button.setEnabled(True)
        rate = "—" if view.success_rate is None else f"{view.success_rate * 100:.1f} %"
        self.summary.setText(f"{view.attempts} card attempts, {view.approved} approved, "
                             f"success rate {rate}, {view.refunds} refunds "
                             f"({view.refunds_failed} failed), {view.reader_disconnects} "
                             "reader disconnects")
        xs = [p.bucket_start * 60.0 for p in view.series]
        self.success_chart.set_series(xs, {"success %": [
            None if p.success_rate is None else p.success_rate * 100 for p in view.series]})
        self.latency_chart.set_series(xs, {
            "p50": [p.tender_p50_ms for p in view.series],
            "p95": [p.tender_p95_ms for p in view.series],
            "p99": [p.tender_p99_ms for p in view.series],
        })
        _fill(self.latency_table, [(s.op, s.count, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms)
                                   for s in view.latency])
        _fill(self.declines_table, view.declines_by_code)
        _fill(self.errors_table, view.errors_by_category)
        other: list[tuple[str, object]] = [(f"card payments {c}", _money(m, c))
                                           for c, m in view.payment_amounts]
        other += [(f"refunded {c}", _money(m, c)) for c, m in view.refund_amounts]
        other += list(view.gauges)
        _fill(self.other_table, other)
        lines = [f"{c.status.name} {c.name}: {c.summary}" for c in checks
                 if c.name in _STATUS_CHECKS]
        self.status_label.setText("\n".join(lines))
        self.refreshed.emit(view)

    def export_csv(self, path: Path) -> None:
        """Write the shown view as CSV (raises OSError; the button shows it)."""
        if self.view is None:
            raise OSError("nothing loaded yet")
        path.write_text(view_to_csv(self.view), encoding="utf-8")

    def _choose_export(self) -> None:
        ask_save_path(self, "Export metrics", "metrics.csv", "CSV (*.csv)", self._export_to)

    def _export_to(self, target: Path) -> None:
        try:
            self.export_csv(target)
        except OSError as exc:
            self.summary.setText(f"Export failed: {exc.strerror or exc} (IT-502 if the disk is "
                                 "full)")


def _money(minor: int, currency: str) -> str:
    from ireti_till.domain.money import Money

    try:
        return Money(minor, currency).format()
    except (ValueError, TypeError):
        return f"{minor} (minor units, {currency})"
