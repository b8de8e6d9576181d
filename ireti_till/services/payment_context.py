"""What every card-payment service shares: the ledger, Stripe, the clock, the crash hook.

``crash`` is called at each named state boundary (see ``POINTS``); production passes
``adapters.crash.crash_point`` (inert unless ``IRETI_CRASH_AT`` is set), tests may pass a
recorder. Services never import adapters, so the hook comes in from the composition root.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ireti_till.domain.payment import Attempt, AttemptMoved, AttemptState
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.payment_port import PaymentGateway
from ireti_till.services.payment_store_port import PaymentUnitOfWorkFactory
from ireti_till.services.ports import Clock

log = logging.getLogger("ireti_till.payments")

#: Named fault points, in the order a card sale passes them.
POINTS: Final[tuple[str, ...]] = (
    "sale.opened",  # tender_sales row committed
    "attempt.planned",  # attempt + key + frozen params committed, nothing sent
    "intent.created",  # Stripe answered create; PI id not yet stored
    "intent.stored",  # PI id committed
    "reader.sending",  # on_reader (try n) committed; process not yet sent
    "reader.sent",  # reader accepted process_payment_intent
    "auth.seen",  # PI read as requires_capture; not yet stored
    "auth.stored",  # authorisation (+ sale completion + capture row) committed
    "capture.sent",  # Stripe answered capture; not yet stored
    "capture.stored",  # capture committed
    "cancel.queued",  # void/abandon + cancel row committed
    "cancel.sent",  # Stripe answered cancel; not yet stored
)


def _no_crash(_point: str) -> None:
    return None


@dataclass
class PaymentContext:
    uow: PaymentUnitOfWorkFactory
    gateway: PaymentGateway
    clock: Clock
    till_id: str
    crash: Callable[[str], None] = field(default=_no_crash)
    #: metrics hook: (name, value, labels) — e.g. MetricsRecorder adapters; optional
    observe: Callable[[str, float, dict[str, str]], None] | None = None

    #: called inside the transaction that completes a sale (card, split or recovery) with
    #: that unit of work, the sale and ``live`` (False: completed by recovery, nobody at the
    #: till): the checkout stores the receipt's print job there, so a crash just after the
    #: commit cannot lose the receipt (``CheckoutService``)
    on_completed: Callable[[Any, CompletedSale, bool], None] | None = field(
        default=None, init=False)

    def completed_in(self, u: Any, sale: CompletedSale, live: bool = True) -> None:
        """Run ``on_completed`` in the completing unit of work ``u`` (before its commit)."""
        if self.on_completed is not None:
            self.on_completed(u, sale, live)

    def point(self, name: str) -> None:
        self.crash(name)

    def metric(self, name: str, value: float, **labels: str) -> None:
        if self.observe is not None:
            try:
                self.observe(name, value, labels)
            except Exception:
                log.debug("metric %s not recorded", name, exc_info=True)

    def move(self, a: Attempt, target: AttemptState, **changes: object) -> Attempt:
        """One committed compare-and-set from ``a.state`` to ``target`` (see
        ``PaymentRepository.transition``). When someone else moved the attempt first, their
        move stands and the attempt is returned as it now is: the caller acts on that."""
        now = self.clock.now()
        pin = a.reader_try if a.state is AttemptState.ON_READER else None
        try:
            with self.uow() as u:
                moved = u.payments.transition(a.attempt_id, a.state, target, now=now,
                                              expected_try=pin, **changes)
                u.commit()
        except AttemptMoved as lost:
            if lost.current is None:
                raise
            log.info("attempt %s: %s -> %s not done, it is already %s", a.attempt_id,
                     a.state.value, target.value, lost.current.state.value)
            return lost.current
        return moved
