"""The port through which services talk to Stripe (or the emulator), and what it returns.

Everything here is plain frozen data: amounts are ``amount_minor: int`` with an ISO
``currency`` (lower case, as Stripe writes it), never floats and never SDK objects.
Every mutation takes the caller's ``idempotency_key`` (DESIGN §5: derived from a local
record committed before the call). Errors are ``ireti_till.domain.payment_errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from ireti_till.domain.payment_errors import (
    LiveKeyInTraining,
    ReaderActionFailed,
    StripePaymentError,
    card_declined,
)

T = TypeVar("T")

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")


def is_live_key(api_key: str) -> bool:
    return api_key.strip().startswith(LIVE_KEY_PREFIXES)


def ensure_key_allowed(api_key: str, *, training: bool) -> None:
    """Refuse a live key in training mode (nothing of training may reach live Stripe)."""
    if training and is_live_key(api_key):
        raise LiveKeyInTraining()


@dataclass(frozen=True, slots=True)
class IntentInfo:
    id: str
    status: str  # requires_payment_method | processing | requires_capture | succeeded | ...
    amount_minor: int
    currency: str
    capture_method: str
    amount_capturable_minor: int = 0
    amount_received_minor: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict)
    created: int = 0
    canceled_at: int | None = None
    cancellation_reason: str | None = None
    latest_charge_id: str | None = None
    payment_method_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    capture_before: int | None = None  # Unix seconds, from the card-present charge
    last_error_code: str | None = None
    last_decline_code: str | None = None
    last_error_message: str | None = None


@dataclass(frozen=True, slots=True)
class ReaderAction:
    type: str  # process_payment_intent | set_reader_display | ...
    status: str  # in_progress | succeeded | failed
    failure_code: str | None = None
    failure_message: str | None = None
    payment_intent_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    id: str
    label: str
    status: str | None  # online | offline
    device_type: str
    location_id: str | None = None
    serial_number: str = ""
    action: ReaderAction | None = None
    #: when the reader last reported to Stripe, in MILLISECONDS since the epoch (Stripe's
    #: ``last_seen_at``; unlike other Stripe timestamps it is not seconds); None: not sent
    last_seen_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: str
    display_name: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    postal_code: str = ""
    line2: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True)
class RefundInfo:
    id: str
    status: str  # pending | succeeded | failed | canceled | requires_action
    amount_minor: int
    currency: str
    payment_intent_id: str | None = None
    charge_id: str | None = None
    reason: str | None = None
    failure_reason: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    created: int = 0


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: str
    type: str
    created: int
    object_id: str | None = None
    object_type: str | None = None
    object_status: str | None = None
    object_metadata: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    has_more: bool

    @property
    def last_id(self) -> str | None:
        """For ``starting_after`` on the next page."""
        return getattr(self.items[-1], "id", None) if self.items else None


@dataclass(frozen=True, slots=True)
class CartLine:
    description: str
    amount_minor: int  # the line total
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class CartDisplay:
    currency: str
    lines: tuple[CartLine, ...]
    total_minor: int
    tax_minor: int | None = None


_ACTION_MESSAGES = {
    "customer_canceled": "The customer cancelled the payment on the card reader. Ask how "
                         "they would like to pay.",
    "reader_timeout": "No card was presented in time. Start the card payment again or take "
                      "cash.",
    "canceled": "The payment on the card reader was cancelled.",
}


def action_failure(action: ReaderAction | None,
                   intent: IntentInfo | None = None) -> StripePaymentError | None:
    """The error a failed reader action stands for (``None`` unless it failed).

    A decline carries its ``decline_code`` on the PaymentIntent's ``last_payment_error``,
    so pass the re-read intent to get IT-311 rather than the generic IT-310.
    """
    if action is None or action.status != "failed":
        return None
    if action.failure_code == "card_declined" or (intent and intent.last_decline_code):
        code = intent.last_decline_code if intent else None
        return card_declined(code or (intent.last_error_code if intent else None),
                             stripe_code=action.failure_code, detail=action.failure_message)
    message = _ACTION_MESSAGES.get(action.failure_code or "")
    return ReaderActionFailed(message, stripe_code=action.failure_code,
                              detail=action.failure_message)


class PaymentGateway(Protocol):
    """What the payments engine may ask of Stripe. Implemented by
    ``ireti_till.adapters.stripe_gateway.StripeGateway``."""

    training: bool

    # PaymentIntents
    def create_intent(self, amount_minor: int, currency: str, *, idempotency_key: str,
                      metadata: Mapping[str, str], description: str | None = None) -> (
            IntentInfo): ...
    def retrieve_intent(self, intent_id: str) -> IntentInfo: ...
    def update_intent_metadata(self, intent_id: str, metadata: Mapping[str, str], *,
                               idempotency_key: str) -> IntentInfo: ...
    def capture_intent(self, intent_id: str, *, idempotency_key: str,
                       amount_to_capture_minor: int | None = None) -> IntentInfo: ...
    def cancel_intent(self, intent_id: str, *, idempotency_key: str,
                      reason: str | None = None) -> IntentInfo: ...
    def search_intents(self, metadata: Mapping[str, str], *, limit: int = 10) -> (
            tuple[IntentInfo, ...]): ...
    def list_intents(self, *, created_gte: int | None = None, created_lte: int | None = None,
                     limit: int = 100, starting_after: str | None = None) -> (
            Page[IntentInfo]): ...

    # Readers and locations
    def process_on_reader(self, reader_id: str, intent_id: str, *, idempotency_key: str,
                          skip_tipping: bool = True) -> ReaderInfo: ...
    def retrieve_reader(self, reader_id: str) -> ReaderInfo: ...
    def cancel_reader_action(self, reader_id: str, *, idempotency_key: str) -> ReaderInfo: ...
    def set_reader_display(self, reader_id: str, cart: CartDisplay, *,
                           idempotency_key: str) -> ReaderInfo: ...
    def present_payment_method(self, reader_id: str, card_number: str | None = None) -> (
            ReaderInfo): ...
    def simulate_reader(self, reader_id: str, outcome: str) -> ReaderInfo: ...
    def create_location(self, display_name: str, address: Address, *,
                        idempotency_key: str) -> LocationInfo: ...
    def list_locations(self, *, limit: int = 100) -> tuple[LocationInfo, ...]: ...
    def register_reader(self, registration_code: str, location_id: str, *, label: str,
                        idempotency_key: str) -> ReaderInfo: ...
    def list_readers(self, *, location_id: str | None = None, limit: int = 100) -> (
            tuple[ReaderInfo, ...]): ...

    # Refunds and events
    def create_refund(self, intent_id: str, *, idempotency_key: str,
                      amount_minor: int | None = None, reason: str | None = None,
                      metadata: Mapping[str, str] | None = None) -> RefundInfo: ...
    def retrieve_refund(self, refund_id: str) -> RefundInfo: ...
    def list_refunds(self, intent_id: str, *, limit: int = 100) -> tuple[RefundInfo, ...]: ...
    def list_events(self, *, types: Sequence[str] = (), created_gte: int | None = None,
                    starting_after: str | None = None, limit: int = 100) -> (
            Page[EventInfo]): ...
