"""The card-payment services for one till, built together (used by app.py, worker, UI).

``PaymentsCore(uow_factory, gateway, clock, till_id)`` gives ``tender``, ``cards``,
``outbox``, ``recovery``, ``sweep``, ``connectivity`` and ``readers`` sharing one
``PaymentContext``. ``simulation`` is the training reader (``None`` in live mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ireti_till.domain.errors import NotFoundError
from ireti_till.domain.payment import AttemptState, capture_urgency
from ireti_till.services.card_payments import CardPayments
from ireti_till.services.connectivity import ConnectivityMonitor
from ireti_till.services.events_sweep import EventsSweep
from ireti_till.services.outbox import OutboxRunner, QueueItem
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import PaymentGateway
from ireti_till.services.payment_store_port import PaymentUnitOfWorkFactory
from ireti_till.services.ports import Clock
from ireti_till.services.readers import ReaderAdmin
from ireti_till.services.reconcile import Reconciler
from ireti_till.services.recovery import Recovery
from ireti_till.services.tendering import TenderService

S = AttemptState

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
        self.reconciler = Reconciler(self.ctx)

    def simulate(self, outcome: str) -> None:
        """Training only: act as the customer on this till's simulated reader."""
        reader = self.readers.current_reader()
        if not self.training or reader is None:
            from ireti_till.domain.payment_errors import TrainingOnly

            raise TrainingOnly()
        self.ctx.gateway.simulate_reader(reader, outcome)

    def queue_summary(self) -> QueueSummary:
        """Open outbox operations, then attempts that need reconciliation (kind "reconcile",
        id = attempt id), for the queue panel."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            recon = u.payments.attempts_in([S.NEEDS_RECONCILIATION])
        items = tuple(self.outbox.queue()) + tuple(
            QueueItem(a.attempt_id, "reconcile", a.sale_id, a.amount,
                      (now - a.created_at).total_seconds(), 0, a.reason, a.state.value,
                      a.updated_at, capture_urgency(a.capture_before, now), a.state.value)
            for a in recon)
        oldest = max((i.age_s for i in items), default=None)
        return QueueSummary(len(items), oldest, sum(1 for i in items if i.state == "failed"),
                            len(recon), items)

    def retry(self, item_id: UUID) -> None:
        """Queue panel "retry now": an operation is retried; an attempt is checked again."""
        try:
            self.outbox.retry_now(item_id)
        except NotFoundError:
            self.reconciler.recheck(item_id)

    def resolve(self, item_id: UUID, reason: str, who: str) -> None:
        """Queue panel "resolve": closes an operation; on an attempt, records the note (its
        state only ever moves on evidence read from Stripe)."""
        try:
            self.outbox.resolve(item_id, reason, who)
        except NotFoundError:
            self.reconciler.note(item_id, reason, who)

    def now(self) -> datetime:
        return self.ctx.clock.now()
