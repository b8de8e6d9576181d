"""The card-payment services for one till, built together (used by app.py, worker, UI).

``PaymentsCore(uow_factory, gateway, clock, till_id)`` gives ``tender``, ``cards``,
``outbox``, ``recovery``, ``sweep``, ``connectivity`` and ``readers`` sharing one
``PaymentContext``. ``simulation`` is the training reader (``None`` in live mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ireti_till.services.card_payments import CardPayments
from ireti_till.services.connectivity import ConnectivityMonitor
from ireti_till.services.events_sweep import EventsSweep
from ireti_till.services.outbox import OutboxRunner, QueueItem
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import PaymentGateway
from ireti_till.services.payment_store_port import PaymentUnitOfWorkFactory
from ireti_till.services.ports import Clock
from ireti_till.services.readers import ReaderAdmin
from ireti_till.services.recovery import Recovery
from ireti_till.services.tendering import TenderService

#: Outcomes the training screen offers, in order, with button texts.
SIMULATE_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("approve", "Approve"), ("decline", "Decline"),
    ("insufficient_funds", "Insufficient funds"), ("expired", "Expired card"),
    ("customer_cancels", "Customer cancels"), ("reader_timeout", "Reader times out"),
)


@dataclass(frozen=True, slots=True)
class QueueSummary:
    count: int
    oldest_age_s: float | None
    failing: int
    needs_reconciliation: int
    items: tuple[QueueItem, ...]


class PaymentsCore:
    def __init__(self, uow: PaymentUnitOfWorkFactory, gateway: PaymentGateway, clock: Clock,
                 till_id: str, *, crash: Callable[[str], None] | None = None,
                 observe: Callable[[str, float, dict[str, str]], None] | None = None,
                 pace: Callable[[], None] | None = None, seed: int = 0) -> None:
        kw = {} if crash is None else {"crash": crash}
        self.ctx = PaymentContext(uow, gateway, clock, till_id, observe=observe, **kw)
        self.training = bool(getattr(gateway, "training", False))
        self.readers = ReaderAdmin(self.ctx)
        self.tender = TenderService(self.ctx)
        self.outbox = OutboxRunner(self.ctx, pace=pace, seed=seed)
        self.cards = CardPayments(self.ctx, self.tender, self.outbox, self.readers.current_reader)
        self.recovery = Recovery(self.ctx, self.outbox)
        self.sweep = EventsSweep(self.ctx)
        self.connectivity = ConnectivityMonitor(self.ctx, self.readers.current_reader)

    def simulate(self, outcome: str) -> None:
        """Training only: act as the customer on this till's simulated reader."""
        reader = self.readers.current_reader()
        if not self.training or reader is None:
            from ireti_till.domain.payment_errors import TrainingOnly

            raise TrainingOnly()
        self.ctx.gateway.simulate_reader(reader, outcome)

    def queue_summary(self) -> QueueSummary:
        items = tuple(self.outbox.queue())
        with self.ctx.uow() as u:
            from ireti_till.domain.payment import AttemptState

            recon = len(u.payments.attempts_in([AttemptState.NEEDS_RECONCILIATION]))
        oldest = max((i.age_s for i in items), default=None)
        return QueueSummary(len(items), oldest, sum(1 for i in items if i.state == "failed"),
                            recon, items)

    def now(self) -> datetime:
        return self.ctx.clock.now()
