"""What the card dialog is told about an attempt: ``CardStatus`` (frozen, carried by signals).

``card_status(attempt, progress)`` turns the attempt as the ledger holds it, plus its
sale's tender progress, into the phase, the message and the error code the cashier sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from uuid import UUID

from ireti_till.domain.money import Money
from ireti_till.domain.payment import Attempt, AttemptState
from ireti_till.domain.payment_errors import DECLINES
from ireti_till.services.tendering import TenderProgress

S = AttemptState
PHASE: Final = {S.PLANNED: "creating", S.INTENT_CREATED: "ready",
                S.ON_READER: "waiting_for_card", S.DECLINED: "declined",
                S.AUTHORISED: "approved", S.CAPTURED: "approved", S.CANCELLED: "cancelled",
                S.NEEDS_RECONCILIATION: "needs_reconciliation"}
_MESSAGES: Final = {
    "creating": "Contacting Stripe…", "ready": "Ready to send to the reader.",
    "waiting_for_card": "Present card on the reader.",
    "approved": "Approved.", "cancelled": "Card payment cancelled.",
    "declined": "The card was declined.",
    "needs_reconciliation": "This payment needs a supervisor to check it.",
}


@dataclass(frozen=True, slots=True)
class CardStatus:
    """What the card dialog shows (frozen; carried by signals)."""

    attempt_id: UUID
    sale_id: UUID
    state: AttemptState
    phase: str
    message: str
    amount: Money
    error_code: str | None = None
    decline_code: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    sale_completed: bool = False
    remaining: Money | None = None

    @property
    def settled(self) -> bool:
        """The poller may stop: nothing more happens without the cashier."""
        return self.state is not S.ON_READER and self.state is not S.PLANNED


def card_status(a: Attempt, prog: TenderProgress) -> CardStatus:
    phase = PHASE[a.state]
    message = a.reason or _MESSAGES[phase]
    code = DECLINES.get(a.decline_code or "", (None, "", False))[0] if a.decline_code else None
    return CardStatus(a.attempt_id, a.sale_id, a.state, phase, message, a.amount, code,
                      a.decline_code, a.card_brand, a.card_last4, prog.completed,
                      prog.remaining)
