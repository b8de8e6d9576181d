"""The queue panel: every pending Stripe operation, and what a supervisor can do about it.

Columns: kind, sale, amount, age, attempts, last error, state (with the capture deadline
warning). Actions: "Retry now" and "Resolve…" (a reason is required and recorded). The
panel shows ``QueueSummary`` values from ``PaymentSignals.queue``; actions go through
``QueueActions`` (the worker), never straight to Stripe.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.services.outbox import QueueItem
from ireti_till.services.payments_core import QueueSummary
from ireti_till.ui.dialogs.asks import ask_text
from ireti_till.ui.theme import name
from ireti_till.worker.signals import PaymentSignals

COLUMNS = ("Kind", "Sale", "Amount", "Age", "Attempts", "Last error", "State")


class QueueActions(Protocol):
    def retry_now(self, op_id: UUID) -> None: ...
    def resolve(self, op_id: UUID, reason: str) -> None: ...


def age_text(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{int(seconds // 60)} min"
    return f"{seconds / 3600:.1f} h"


def state_text(item: QueueItem) -> str:
    text = item.state
    if item.urgency.value in ("warn", "urgent", "lapsed"):
        text += {"warn": " — capture due within 36 h", "urgent": " — CAPTURE DUE WITHIN 6 H",
                 "lapsed": " — AUTHORISATION LAPSED"}[item.urgency.value]
    return text


class QueuePanel(QWidget):
    def __init__(self, actions: QueueActions, signals: PaymentSignals,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "queue_panel", "Pending card operations")
        self.ops = actions
        self.items: tuple[QueueItem, ...] = ()
        self.summary = QLabel("Queue: nothing waiting", self)
        name(self.summary, "queue_summary")
        self.table = QTableWidget(0, len(COLUMNS), self)
        name(self.table, "queue_table", "Pending operations")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # fill the width
        header.setMinimumSectionSize(60)
        self.table.setWordWrap(False)
        self.retry_button = QPushButton("Retry now", self)
        name(self.retry_button, "queue_retry")
        self.resolve_button = QPushButton("Resolve…", self)
        name(self.resolve_button, "queue_resolve")
        self.retry_button.clicked.connect(self._retry)
        self.resolve_button.clicked.connect(self._resolve)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.backoffice = QLabel("", self)  # "back office: n waiting, oldest ..." (enrolled)
        name(self.backoffice, "queue_backoffice")
        self.backoffice.setVisible(False)
        layout.addWidget(self.backoffice)
        signals.queue.connect(self.show_summary)

    def show_backoffice(self, text: str) -> None:
        self.backoffice.setText(text)
        self.backoffice.setVisible(bool(text))

    def show_summary(self, summary: QueueSummary) -> None:
        self.items = summary.items
        text = "Queue: nothing waiting" if not summary.count else (
            f"Queue: {summary.count} waiting, oldest {age_text(summary.oldest_age_s or 0)}, "
            f"{summary.failing} need attention")
        if summary.needs_reconciliation:
            text += f"; {summary.needs_reconciliation} payments need reconciliation"
        self.summary.setText(text)
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            cells = (item.kind, str(item.sale_id or "")[:8],
                     item.amount.format() if item.amount else "", age_text(item.age_s),
                     str(item.tries), item.last_error or "", state_text(item))
            for col, value in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(value))

    def selected(self) -> QueueItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def _retry(self) -> None:
        item = self.selected()
        if item is not None:
            self.ops.retry_now(item.op_id)

    def _resolve(self) -> None:
        item = self.selected()
        if item is None:
            return
        op_id = item.op_id

        def resolve(reason: str) -> None:
            if reason.strip():
                self.ops.resolve(op_id, reason.strip())

        ask_text(self, "Resolve operation", "Reason (recorded with your name):", resolve)
