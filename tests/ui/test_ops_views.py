"""The operations views offscreen: metrics panel, health view, support bundle dialog, menu."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from ireti_till.domain.metrics import Counter, Op
from ireti_till.services.health import CheckResult, HealthReport, Status
from ireti_till.services.metrics import MetricsRecorder, MinuteBatch, decode_histogram
from ireti_till.services.metrics_query import MetricsQuery, Window
from ireti_till.ui.ops import (
    HealthView,
    MetricsPanel,
    OpsServices,
    SupportBundleDialog,
    install_ops_menu,
)

NOW = 1_800_000_000.0


def _text(table: Any, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None
    return str(item.text())


class MemorySource:
    """An in-memory metrics store (both ports), optionally gated to simulate a slow disk."""

    def __init__(self) -> None:
        self.batches: list[MinuteBatch] = []
        self.gate: threading.Event | None = None

    def add_minutes(self, batches) -> None:
        self.batches.extend(batches)

    def _rows(self, resolution: str, since: int, until: int) -> Iterator[MinuteBatch]:
        if self.gate is not None:
            assert self.gate.wait(10)
        for b in self.batches:
            bucket = b.minute if resolution == "m" else b.minute - b.minute % 60
            if since <= bucket < until:
                yield b.__class__(bucket, b.histograms, b.counters, b.gauges)

    def histograms(self, resolution: str, since: int, until: int) -> Iterator[tuple[int, str, Any]]:
        for b in self._rows(resolution, since, until):
            for op, blob in b.histograms.items():
                yield b.minute, op, decode_histogram(blob)

    def counters(self, resolution: str, since: int, until: int):
        for b in self._rows(resolution, since, until):
            for (n, labels), v in b.counters.items():
                yield b.minute, n, labels, v

    def gauges(self, resolution: str, since: int, until: int):
        for b in self._rows(resolution, since, until):
            for (n, labels), v in b.gauges.items():
                yield b.minute, n, labels, v


@pytest.fixture
def source() -> MemorySource:
    src = MemorySource()
    now = [NOW - 50 * 60]
    rec = MetricsRecorder(src, clock=lambda: now[0])
    for minute in range(50):
        for i in range(30):
            now[0] = NOW - (50 - minute) * 60 + i
            rec.payment_attempt()
            rec.observe_latency(Op.TENDER, 600 + 20 * i)
            rec.observe_latency(Op.CAPTURE, 150 + i)
            if i % 10 == 0:
                rec.payment_declined("card_declined")
            else:
                rec.payment_approved(1000, "EUR")
        rec.stripe_error("api_connection_error" if minute % 2 else "rate_limit_error")
        rec.gauge(Counter.QUEUE_DEPTH, minute % 4)
    rec.flush()
    return src


def test_metrics_panel_shows_charts_tables_and_exports(qtbot, source, tmp_path: Path) -> None:
    checks = (CheckResult("stripe", Status.OK, "training mode"),
              CheckResult("reader", Status.WARN, "not configured", "register", "reader"),
              CheckResult("disk", Status.OK, "lots"))
    panel = MetricsPanel(MetricsQuery(source, clock=lambda: NOW),
                         status_provider=lambda: checks)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.refreshed, timeout=10000) as blocker:
        panel.refresh()
    view = blocker.args[0]
    assert view.window == Window.HOUR and view.attempts == 1500
    assert "success rate 90.0 %" in panel.summary.text()
    assert panel.success_chart.point_count("success %") == 50
    assert panel.latency_chart.point_count("p50") == 50
    assert panel.latency_chart.point_count("p99") == 0  # 30 samples a minute: hidden
    assert panel.latency_table.rowCount() == 2
    assert _text(panel.declines_table, 0, 0) == "card_declined"
    assert _text(panel.declines_table, 0, 1) == "150"
    assert {_text(panel.errors_table, r, 0) for r in range(2)} == {"api", "rate_limit"}
    assert "WARN reader: not configured" in panel.status_label.text()
    assert "disk" not in panel.status_label.text()

    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        panel.window_box.setCurrentIndex(2)  # week: hour buckets
    assert panel.view is not None and panel.view.window == Window.WEEK
    assert panel.success_chart.point_count("success %") in (1, 2)
    week_tender = next(s for s in panel.view.latency if s.op == Op.TENDER)
    assert week_tender.p99_ms is not None  # 1500 samples: enough for p99

    target = tmp_path / "m.csv"
    panel.export_csv(target)
    assert "declines,card_declined,150" in target.read_text()


def test_refresh_never_blocks_the_gui_thread(qtbot, source) -> None:
    source.gate = threading.Event()
    panel = MetricsPanel(MetricsQuery(source, clock=lambda: NOW))
    qtbot.addWidget(panel)
    ticks: list[int] = []
    timer = QTimer(panel)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    panel.refresh()
    assert panel.busy and not panel.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)  # the event loop keeps running
    assert panel.view is None
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        source.gate.set()
    assert panel.refresh_button.isEnabled() and panel.view is not None


def test_failing_query_shows_a_message(qtbot) -> None:
    class Broken:
        def histograms(self, *a):
            raise OSError("disk I/O error")

    panel = MetricsPanel(MetricsQuery(Broken(), clock=lambda: NOW))  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.failed, timeout=10000):
        panel.refresh()
    assert "could not be loaded" in panel.summary.text() and panel.refresh_button.isEnabled()


def _report() -> HealthReport:
    return HealthReport((CheckResult("database", Status.OK, "integrity ok"),
                         CheckResult("backup", Status.WARN, "no verified backup yet",
                                     "run `ireti-till backup`", "backup")),
                        datetime.now(UTC))


def test_health_view_lists_checks_with_fixes(qtbot) -> None:
    view = HealthView(_report)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.finished, timeout=10000):
        view.run()
    assert view.overall.text() == "Overall: WARN"
    assert view.table.rowCount() == 2
    assert "docs/troubleshooting.md#backup" in _text(view.table, 1, 3)


def test_support_bundle_dialog_reports_progress(qtbot, tmp_path: Path) -> None:
    seen: list[int] = []

    def write(target: Path | None, progress) -> Path:
        for i in range(5):
            progress(i, 4, f"part {i}")
        assert target is not None
        target.write_bytes(b"PK")
        return target

    dialog = SupportBundleDialog(write)
    qtbot.addWidget(dialog)
    dialog.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dialog.written, timeout=10000) as blocker:
        dialog.start(tmp_path / "b.zip")
    assert blocker.args[0] == tmp_path / "b.zip"
    assert dialog.progress.value() == dialog.progress.maximum() == 4
    assert seen[:3] == [1, 2, 3] or 4 in seen
    assert "Saved to" in dialog.message.text()


def test_support_bundle_failure_is_shown(qtbot) -> None:
    def write(target, progress) -> Path:
        raise OSError(28, "No space left on device")

    dialog = SupportBundleDialog(write)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=10000):
        dialog.start(None)
    assert "not written" in dialog.message.text() and dialog.create_button.isEnabled()


def test_menu_wiring_and_role_gate(qtbot, source, monkeypatch) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    allowed = [False]
    ops = install_ops_menu(window, OpsServices(
        metrics_query=MetricsQuery(source, clock=lambda: NOW), run_health=_report,
        write_bundle=lambda t, p: Path("x"), can_view_metrics=lambda: allowed[0]))
    assert ops.metrics_action.shortcut().toString() == "Ctrl+M"
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&View" in titles and "&Help" in titles
    ops.metrics_action.trigger()  # a notice, opened with open(): no nested loop
    notice = next(w for w in QApplication.topLevelWidgets()
                  if w.objectName() == "notice_dialog" and w.isVisible())
    assert ops.metrics_panel is None and "supervisors" in notice.text()
    notice.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not any(w.objectName() == "notice_dialog" and w.isVisible()
                                    for w in QApplication.topLevelWidgets()))
    allowed[0] = True
    ops.metrics_action.trigger()
    assert ops.metrics_panel is not None
    qtbot.waitSignal(ops.metrics_panel.refreshed, timeout=10000).wait()
    ops.health_action.trigger()
    assert ops.health_view is not None
    qtbot.waitUntil(lambda: ops.health_view.report is not None, timeout=10000)
