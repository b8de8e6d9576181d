"""The Help menu's "Till health" view: the same checks as ``ireti-till doctor``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import TillError
from ireti_till.services.health import HealthReport, Status
from ireti_till.ui.tasks import Task
from ireti_till.ui.theme import name

_COLOURS = {Status.OK: "#2da44e", Status.WARN: "#9a6700", Status.FAIL: "#cf222e"}


class HealthView(QWidget):
    """``HealthView(run_checks)`` where ``run_checks() -> HealthReport`` (may touch the
    network: it runs on a pool thread). ``finished(HealthReport)`` after each run."""

    finished = Signal(object)

    def __init__(self, run_checks: Callable[[], HealthReport],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Till health")
        name(self, "health_view", "Health checks of this till")
        self._run_checks = run_checks
        self.report: HealthReport | None = None
        self._call: Task[HealthReport] = Task(self, self._show, self._failed,
                                              what="the health checks")
        self.overall = QLabel("Not checked yet")
        name(self.overall, "health_overall")
        self.run_button = QPushButton("Check again")
        name(self.run_button, "health_run")
        self.run_button.clicked.connect(self.run)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["status", "check", "found", "what to do"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        name(self.table, "health_table")
        layout = QVBoxLayout(self)
        layout.addWidget(self.overall)
        layout.addWidget(self.table)
        layout.addWidget(self.run_button)

    def run(self) -> None:
        self.run_button.setEnabled(False)
        self.overall.setText("Checking…")
        self._call.start(self._run_checks)

    def _failed(self, exc: TillError) -> None:
        self.run_button.setEnabled(True)
        self.overall.setText(f"The checks could not run: {exc}")

    def _show(self, report: object) -> None:
        assert isinstance(report, HealthReport)
        self.report = report
        self.run_button.setEnabled(True)
        self.overall.setText(f"Overall: {report.status.name}")
        self.table.setRowCount(len(report.checks))
        for row, check in enumerate(report.checks):
            status = QTableWidgetItem(check.status.name)
            status.setForeground(QColor(_COLOURS[check.status]))
            fix = f"{check.fix} — see {check.guide}" if check.fix else ""
            for col, item in enumerate((status, QTableWidgetItem(check.name),
                                        QTableWidgetItem(check.summary),
                                        QTableWidgetItem(fix))):
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.finished.emit(report)
