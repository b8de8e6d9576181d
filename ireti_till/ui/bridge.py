"""The hook between background workers and the screen.

Workers (the payments worker on the till's scheduler, worker/scheduler.py) run on other
threads and must never touch a widget; screens run their own background work through
``ui/tasks.py``. They call the ``publish_*`` methods of a ``UiBridge`` (or
emit its signals) with frozen values; the signals are connected to widgets with a queued
connection, so Qt runs the slots on the GUI thread. ``app.py`` hands the bound
``publish_*`` methods to the worker as plain callables, so the worker never imports the
UI (import-linter forbids it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from PySide6.QtCore import QObject, Qt, Signal


class Connectivity(Enum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    NOT_CONFIGURED = "not configured"
    TRAINING = "training emulator"


@dataclass(frozen=True, slots=True)
class StripeStatus:
    state: Connectivity
    detail: str = ""  # plain reason shown as a tooltip ("no network since 10:42")
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReaderStatus:
    label: str  # "Front counter reader", or "" when none is set up
    state: str  # "online" | "offline" | "busy" | "not set up"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class QueueStatus:
    pending: int | None  # None: the queue does not exist yet (placeholder)
    oldest_age_s: float | None = None
    failing: int = 0


class UiBridge(QObject):
    """Signals carrying frozen values from any thread to the GUI thread."""

    stripe_changed = Signal(object)  # StripeStatus
    reader_changed = Signal(object)  # ReaderStatus
    queue_changed = Signal(object)  # QueueStatus
    cashier_changed = Signal(str)

    # Thread-safe entry points for workers: emitting a signal is safe from any thread.
    def publish_stripe(self, status: StripeStatus) -> None:
        self.stripe_changed.emit(status)

    def publish_reader(self, status: ReaderStatus) -> None:
        self.reader_changed.emit(status)

    def publish_queue(self, status: QueueStatus) -> None:
        self.queue_changed.emit(status)

    def publish_cashier(self, cashier: str) -> None:
        self.cashier_changed.emit(cashier)


QUEUED = Qt.ConnectionType.QueuedConnection


def now() -> datetime:
    return datetime.now(UTC)
