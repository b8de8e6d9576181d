"""What the back office's event stream tells a till, as frozen values (issue 15).

A notice is a hint, never evidence: the card flow still reads the reader and the
PaymentIntent from Stripe before it moves a payment, so a lost, late or forged notice can
only make the till look sooner or later, never charge twice or skip a charge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class ReaderActionNotice:
    """A reader finished (or failed) the action for ``payment_intent``, or the PI moved."""

    event_id: str
    type: str
    created: int
    payment_intent: str
    reader_id: str | None = None
    status: str | None = None  # the action's status, else the PaymentIntent's
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def final(self) -> bool:
        """The reader is done with this payment: worth looking at Stripe now."""
        return self.type in FINAL_TYPES


FINAL_TYPES = frozenset({
    "terminal.reader.action_succeeded", "terminal.reader.action_failed",
    "payment_intent.amount_capturable_updated", "payment_intent.succeeded",
    "payment_intent.payment_failed", "payment_intent.canceled",
    "payment_intent.requires_action"})


@dataclass(frozen=True)
class RefundNotice:
    """``refund.created``/``updated``/``failed`` for a refund this till owns."""

    event_id: str
    type: str
    created: int
    refund: str
    status: str | None
    payment_intent: str | None = None
    refund_id: str | None = None  # the till's own refund id (metadata)
    amount_minor: int | None = None
    currency: str | None = None
    failure_reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.type == "refund.failed" or self.status in ("failed", "canceled")


Notice = ReaderActionNotice | RefundNotice


def notice_from(summary: dict[str, Any]) -> Notice | None:
    """The notice in one stream message (the server's summary of an event), or None."""
    type_, event_id = _s(summary.get("type")), _s(summary.get("id"))
    created = summary.get("created")
    created = created if isinstance(created, int) and not isinstance(created, bool) else 0
    if type_ is None or event_id is None:
        return None
    if type_.startswith("refund."):
        refund = _s(summary.get("object_id"))
        if refund is None:
            return None
        amount = summary.get("amount")
        currency = _s(summary.get("currency"))
        return RefundNotice(
            event_id, type_, created, refund, _s(summary.get("status")),
            _s(summary.get("payment_intent")), _s(summary.get("refund_id")),
            amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            currency.upper() if currency else None, _s(summary.get("failure_reason")))
    pi = _s(summary.get("payment_intent"))
    if pi is None or not (type_.startswith(("terminal.reader.action", "payment_intent."))):
        return None
    status = _s(summary.get("action_status")) or _s(summary.get("status"))
    return ReaderActionNotice(event_id, type_, created, pi, _s(summary.get("reader")), status,
                              _s(summary.get("failure_code")),
                              _s(summary.get("failure_message")))
