"""Status bar: TRAINING/LIVE badge, Stripe, reader, queue, alerts, cashier.

Stripe, reader and queue are placeholders until the sync worker (issue 4) publishes
through ``UiBridge``; they already show what they will show, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ireti_till.ui.bridge import (
    QUEUED,
    Connectivity,
    QueueStatus,
    ReaderStatus,
    StripeStatus,
    UiBridge,
)
from ireti_till.ui.theme import DANGER, LIVE, MUTED, name, set_role, style

if TYPE_CHECKING:
    from ireti_till.services.alerts import ActiveAlert


def _fmt_age(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{int(seconds // 60)} min"
    return f"{seconds / 3600:.0f} h"


class _ClickableLabel(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


class TillStatusBar(QStatusBar):
    #: the alerts label was clicked (the main window opens View > Alerts…)
    alerts_clicked = Signal()

    def __init__(self, training: bool, cashier: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "status_bar")
        style(self)
        self.setSizeGripEnabled(False)
        self.mode = self._label("status_mode")
        self.stripe = self._label("status_stripe")
        self.reader = self._label("status_reader")
        self.queue = self._label("status_queue")
        self.alerts = _ClickableLabel(self)
        name(self.alerts, "status_alerts")
        self.alerts.setMinimumHeight(28)
        self.alerts.clicked.connect(self.alerts_clicked)
        self.cashier = self._label("status_cashier")
        for widget in (self.mode, self.stripe, self.reader, self.queue, self.alerts):
            self.addWidget(widget)
        self.addPermanentWidget(self.cashier)
        self.set_training(training)
        self.set_stripe(StripeStatus(Connectivity.TRAINING if training
                                     else Connectivity.UNKNOWN,
                                     "Training mode uses the built-in emulator" if training
                                     else "Waiting for the first check"))
        self.set_reader(ReaderStatus("", "not set up", "No card reader is set up for this till"))
        self.set_queue(QueueStatus(None))
        self.set_alerts(())
        self.set_cashier(cashier)

    def _label(self, object_name: str) -> QLabel:
        label = QLabel(self)
        name(label, object_name)
        label.setMinimumHeight(28)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def connect_bridge(self, bridge: UiBridge) -> None:
        bridge.stripe_changed.connect(self.set_stripe, QUEUED)
        bridge.reader_changed.connect(self.set_reader, QUEUED)
        bridge.queue_changed.connect(self.set_queue, QUEUED)
        bridge.cashier_changed.connect(self.set_cashier, QUEUED)

    def set_training(self, training: bool) -> None:
        self.mode.setText(" TRAINING " if training else " LIVE ")
        set_role(self.mode, "badge-training" if training else "badge-live")
        self.mode.setToolTip(
            "Training mode: no real card is charged" if training else "Live: real payments"
        )

    def set_stripe(self, status: StripeStatus) -> None:
        colour = {Connectivity.ONLINE: LIVE, Connectivity.TRAINING: LIVE,
                  Connectivity.OFFLINE: DANGER}.get(status.state, MUTED)
        dot = "●" if status.state in (Connectivity.ONLINE, Connectivity.TRAINING) else "○"
        self.stripe.setText(f"{dot} Stripe: {status.state.value}")
        self.stripe.setStyleSheet(f"color: {colour};")
        self.stripe.setToolTip(status.detail)
        self.stripe.setAccessibleDescription(f"Stripe {status.state.value}. {status.detail}")

    def set_reader(self, status: ReaderStatus) -> None:
        label = f"Reader: {status.label} ({status.state})" if status.label else (
            f"Reader: {status.state}"
        )
        self.reader.setText(label)
        self.reader.setToolTip(status.detail)
        self.reader.setAccessibleDescription(f"{label}. {status.detail}")

    def set_queue(self, status: QueueStatus) -> None:
        if status.pending is None:
            text = "Queue: –"
            tip = "Nothing is queued: card payments arrive with the sync worker"
        else:
            text = f"Queue: {status.pending}"
            if status.pending and status.oldest_age_s is not None:
                text += f" (oldest {_fmt_age(status.oldest_age_s)})"
            tip = f"{status.failing} failing" if status.failing else "Operations waiting to send"
        self.queue.setText(text)
        self.queue.setToolTip(tip)
        self.queue.setStyleSheet(f"color: {DANGER};" if status.failing else "")

    def set_alerts(self, active: Sequence[ActiveAlert]) -> None:
        """Show the active alerts (frozen values from the alert service, via a signal)."""
        open_ = [a for a in active if not a.acknowledged_by]
        if not active:
            self.alerts.setText("")
            self.alerts.setToolTip("No alerts")
            self.alerts.setVisible(False)
            return
        first = (open_ or list(active))[0].alert
        more = f" (+{len(active) - 1})" if len(active) > 1 else ""
        self.alerts.setText(f"⚠ {first.title}{more}")
        self.alerts.setToolTip("\n".join(f"{a.alert.title}: {a.alert.message} — see "
                                         f"{a.alert.link}" for a in active))
        self.alerts.setAccessibleDescription(f"{len(active)} alerts. {first.message}")
        self.alerts.setStyleSheet(f"color: {DANGER};" if open_ else f"color: {MUTED};")
        self.alerts.setVisible(True)

    def set_note(self, key: str, text: str, tip: str = "", bad: bool = False) -> None:
        """A further field (``printer``, ``backoffice``), made on first use."""
        label = self.findChild(QLabel, f"status_{key}")
        if label is None:
            label = self._label(f"status_{key}")
            self.insertWidget(4, label)
        label.setText(text)
        label.setToolTip(tip)
        label.setStyleSheet(f"color: {DANGER};" if bad else "")

    def set_cashier(self, cashier: str) -> None:
        self.cashier.setText(f"Cashier: {cashier}")
