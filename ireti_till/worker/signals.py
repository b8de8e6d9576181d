"""The worker's voice: one QObject whose signals carry frozen values to the GUI thread.

Emitting a Qt signal is safe from any thread; a slot on a QObject living in the GUI
thread is then run there (Qt queues it), so a worker never touches a widget. The UI
connects to these (see ``docs/architecture.md`` "Wiring the UI"). Every payload is a
frozen dataclass from ``ireti_till.services``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class PaymentSignals(QObject):
    #: services.connectivity.Connectivity — card tender on/off and why
    connectivity = Signal(object)
    #: services.payments_core.QueueSummary — queue length, oldest age, items
    queue = Signal(object)
    #: services.card_payments.CardStatus — live status of the card on the reader
    card_status = Signal(object)
    #: services.tendering.TenderProgress — after cash parts, completion or void
    tender = Signal(object)
    #: services.recovery.RecoveryReport (a copy) — after start-up recovery
    recovery = Signal(object)
    #: services.events_sweep.SweepResult
    sweep = Signal(object)
    #: (what, message) — a background action failed; message is cashier-facing with code
    failed = Signal(str, str)
