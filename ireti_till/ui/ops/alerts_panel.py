"""View > Alerts…: the active alerts with their runbook links, and acknowledge.

The alert service runs on the worker; ``AlertsBridge.listener`` is what the composition root
passes to ``AlertService.on_change``: it emits ``changed`` with the frozen tuple of active
alerts, which Qt queues to the GUI thread. The status bar, the desktop notification
(``QSystemTrayIcon.showMessage`` where the platform has a tray) and this panel listen to it.
Acknowledging writes the audit trail, so it runs on a pool thread; the panel updates when
the result comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import TillError
from ireti_till.services.alerts import ActiveAlert
from ireti_till.ui.theme import name

COLUMNS = ("Severity", "Alert", "What happened", "Since", "Runbook", "Acknowledged")
Acknowledge = Callable[[str], ActiveAlert]  # key -> the acknowledged alert (may raise)


class AlertsBridge(QObject):
    """Carries the alert service's news to the GUI thread (frozen values only)."""

    changed = Signal(object, object)  # tuple[ActiveAlert, ...], frozenset[str] (new keys)
    acknowledged = Signal(object)  # ActiveAlert
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: the newest active alerts (a panel opened later starts from them)
        self.last: tuple[ActiveAlert, ...] = ()

    def listener(self, active: tuple[ActiveAlert, ...], new: frozenset[str]) -> None:
        self.last = tuple(active)
        self.changed.emit(self.last, frozenset(new))


class _AckJob(QRunnable):
    def __init__(self, acknowledge: Acknowledge, key: str, bridge: AlertsBridge) -> None:
        super().__init__()
        self._ack, self._key, self._bridge = acknowledge, key, bridge

    def run(self) -> None:
        try:
            self._bridge.acknowledged.emit(self._ack(self._key))
        except TillError as exc:
            self._bridge.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown, not raised on a pool thread
            self._bridge.failed.emit(f"{type(exc).__name__}: {exc}")


def _who(a: ActiveAlert) -> str:
    if not a.acknowledged_by:
        return ""
    at = a.acknowledged_at.astimezone().strftime("%H:%M") if a.acknowledged_at else ""
    return f"{a.acknowledged_name or a.acknowledged_by} {at}".strip()


def _local(a: ActiveAlert) -> str:
    return a.since.astimezone().strftime("%d %b %H:%M")


class AlertsPanel(QWidget):
    def __init__(self, bridge: AlertsBridge, acknowledge: Acknowledge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "alerts_panel")
        self.setWindowTitle("Alerts")
        self._bridge = bridge
        self._acknowledge = acknowledge
        self.active: tuple[ActiveAlert, ...] = ()
        self.table = QTableWidget(0, len(COLUMNS), self)
        name(self.table, "alerts_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("What happened"),
                                    QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)  # wrapped rows follow the column widths (a few rows)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rows.setVisible(False)
        self.message = QLabel("No alerts.", self)
        name(self.message, "alerts_message")
        self.message.setWordWrap(True)
        self.ack_button = QPushButton("Acknowledge (supervisor)", self)
        name(self.ack_button, "alerts_ack")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.ack_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        bridge.changed.connect(lambda active, _new: self.show_alerts(active),
                               Qt.ConnectionType.QueuedConnection)
        bridge.acknowledged.connect(self._acknowledged, Qt.ConnectionType.QueuedConnection)
        bridge.failed.connect(self.message.setText, Qt.ConnectionType.QueuedConnection)
        self.show_alerts(bridge.last)

    def show_alerts(self, active: Sequence[ActiveAlert]) -> None:
        self.active = tuple(active)
        self.table.setRowCount(len(self.active))
        for r, a in enumerate(self.active):
            cells = (a.alert.severity.value, a.alert.title, a.alert.message, _local(a),
                     a.alert.link, _who(a))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.message.setText(f"{len(self.active)} active alert(s); each names its runbook "
                             "procedure." if self.active else "No alerts.")
        self.ack_button.setEnabled(any(not a.acknowledged_by for a in self.active))

    def acknowledge_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        index = rows[0].row() if rows else 0
        if not self.active or index >= len(self.active):
            return
        self.ack_button.setEnabled(False)
        self.message.setText("Acknowledging…")
        QThreadPool.globalInstance().start(
            _AckJob(self._acknowledge, self.active[index].alert.key, self._bridge))

    def _acknowledged(self, acked: ActiveAlert) -> None:
        self.show_alerts(tuple(acked if a.alert.key == acked.alert.key else a
                               for a in self.active))
        self._bridge.last = tuple(acked if a.alert.key == acked.alert.key else a
                                  for a in self._bridge.last)
        self.message.setText(f"{acked.alert.title}: acknowledged by {_who(acked)} "
                             "(recorded in the audit trail).")


class AlertNotifier(QObject):
    """A desktop notification for each new alert, where the platform has a system tray."""

    def __init__(self, bridge: AlertsBridge, icon: QIcon | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray: QSystemTrayIcon | None = None
        self.shown: list[str] = []
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon or QIcon(), self)
            self.tray.show()
        bridge.changed.connect(self.notify, Qt.ConnectionType.QueuedConnection)

    def notify(self, active: Sequence[ActiveAlert], new: frozenset[str]) -> None:
        for a in active:
            if a.alert.key in new:
                self.shown.append(a.alert.key)
                if self.tray is not None and self.tray.supportsMessages():
                    self.tray.showMessage(f"Ireti Till: {a.alert.title}", a.alert.message,
                                          QSystemTrayIcon.MessageIcon.Warning, 15000)
