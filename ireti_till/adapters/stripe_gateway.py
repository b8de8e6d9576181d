"""The Stripe gateway: one adapter over ``stripe.StripeClient`` for the payments engine.

Pointed at Stripe or at the training emulator by configuration only (``base_url``).
Every mutation sends the caller's idempotency key (DESIGN §5); the SDK's own retries
(``max_network_retries``: connection errors, 409, 5xx unless ``Stripe-Should-Retry:
false``) reuse that key, so a retry can never act twice. The timeout is seconds, not the
SDK's 80. Answers are frozen values from ``services.payment_port``; failures are
``domain.payment_errors``. A live key in training mode is refused before any request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import stripe

from ireti_till.adapters import stripe_mapping as to
from ireti_till.adapters.stripe_errors import to_domain
from ireti_till.domain.payment_errors import InvalidPaymentRequest, TrainingOnly
from ireti_till.services.payment_port import (
    Address,
    CartDisplay,
    EventInfo,
    IntentInfo,
    LocationInfo,
    Page,
    PaymentGateway,
    ReaderInfo,
    RefundInfo,
    ensure_key_allowed,
)

R = TypeVar("R")
CallObserver = Callable[[str, float, str | None], None]
log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_RETRIES = 2
_EXPAND_CHARGE = {"expand": ["latest_charge"]}


class StripeGateway:
    def __init__(self, api_key: str, *, base_url: str | None = None, training: bool = False,
                 timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_network_retries: int = DEFAULT_RETRIES,
                 http_client: stripe.HTTPClient | None = None,
                 on_call: CallObserver | None = None) -> None:
        """``on_call(operation, seconds, error_code_or_None)`` is told of every call
        (latency metrics); it must be quick and must not raise."""
        ensure_key_allowed(api_key, training=training)
        self.training = training
        self._on_call = on_call
        self.base_url = base_url
        addresses: dict[str, str] = {"api": base_url.rstrip("/")} if base_url else {}
        self._client = stripe.StripeClient(
            api_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
            http_client=http_client or stripe.RequestsClient(timeout=timeout_s),
        )
        self._v1 = self._client.v1

    # -- plumbing -------------------------------------------------------------------------
    def _call(self, op: str, fn: Callable[[], Any], convert: Callable[[dict[str, Any]], R], *,
              refund: bool = False) -> R:
        started = time.perf_counter()
        try:
            obj = fn()
        except stripe.StripeError as err:
            error = to_domain(err, refund=refund)
            self._observe(op, time.perf_counter() - started, error.code)
            log.info("stripe %s failed: %s http=%s request_id=%s", op, error.code,
                     error.http_status, error.request_id)
            raise error from err
        self._observe(op, time.perf_counter() - started, None)
        return convert(obj.to_dict())

    def _observe(self, op: str, seconds: float, error_code: str | None) -> None:
        if self._on_call is not None:
            try:
                self._on_call(op, seconds, error_code)
            except Exception:  # metrics must never break a payment
                log.exception("stripe call observer failed")

    @staticmethod
    def _key(idempotency_key: str) -> dict[str, str]:
        if not idempotency_key:
            raise ValueError("every Stripe mutation needs an idempotency key")
        return {"idempotency_key": idempotency_key}

    @staticmethod
    def _page(convert: Callable[[dict[str, Any]], R]) -> Callable[[dict[str, Any]], Page[R]]:
        def page(d: dict[str, Any]) -> Page[R]:
            return Page(tuple(convert(x) for x in d.get("data", [])), bool(d.get("has_more")))
        return page

    def _training_only(self) -> None:
        if not self.training:
            raise TrainingOnly()

    # -- PaymentIntents -------------------------------------------------------------------
    def create_intent(self, amount_minor: int, currency: str, *, idempotency_key: str,
                      metadata: Mapping[str, str], description: str | None = None) -> (
            IntentInfo):
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise InvalidPaymentRequest(detail="amount_minor must be an int of minor units")
        params: dict[str, Any] = {
            "amount": amount_minor, "currency": currency.lower(),
            "payment_method_types": ["card_present"], "capture_method": "manual",
            "metadata": dict(metadata),
        }
        if description:
            params["description"] = description
        return self._call("create_intent", lambda: self._v1.payment_intents.create(
            params=params, options=self._key(idempotency_key)), to.intent)  # type: ignore[arg-type]

    def retrieve_intent(self, intent_id: str) -> IntentInfo:
        return self._call("retrieve_intent", lambda: self._v1.payment_intents.retrieve(
            intent_id, params=_EXPAND_CHARGE), to.intent)  # type: ignore[arg-type]

    def update_intent_metadata(self, intent_id: str, metadata: Mapping[str, str], *,
                               idempotency_key: str) -> IntentInfo:
        return self._call("update_intent_metadata", lambda: self._v1.payment_intents.update(
            intent_id, params={"metadata": dict(metadata)},
            options=self._key(idempotency_key)), to.intent)  # type: ignore[arg-type]

    def capture_intent(self, intent_id: str, *, idempotency_key: str,
                       amount_to_capture_minor: int | None = None) -> IntentInfo:
        params: dict[str, Any] = {"expand": ["latest_charge"]}
        if amount_to_capture_minor is not None:
            params["amount_to_capture"] = amount_to_capture_minor
        return self._call("capture_intent", lambda: self._v1.payment_intents.capture(
            intent_id, params=params, options=self._key(idempotency_key)),  # type: ignore[arg-type]
            to.intent)

    def cancel_intent(self, intent_id: str, *, idempotency_key: str,
                      reason: str | None = None) -> IntentInfo:
        params = {"cancellation_reason": reason} if reason else {}
        return self._call("cancel_intent", lambda: self._v1.payment_intents.cancel(
            intent_id, params=params, options=self._key(idempotency_key)),  # type: ignore[arg-type]
            to.intent)

    def search_intents(self, metadata: Mapping[str, str], *, limit: int = 10) -> (
            tuple[IntentInfo, ...]):
        clauses = []
        for key, value in metadata.items():
            if "'" in key or "'" in value or "\\" in value:
                raise InvalidPaymentRequest(detail="metadata search values may not hold quotes")
            clauses.append(f"metadata['{key}']:'{value}'")
        query = " AND ".join(clauses)
        page = self._call("search_intents", lambda: self._v1.payment_intents.search(
            params={"query": query, "limit": limit}), self._page(to.intent))
        return page.items

    def list_intents(self, *, created_gte: int | None = None, created_lte: int | None = None,
                     limit: int = 100, starting_after: str | None = None) -> Page[IntentInfo]:
        params: dict[str, Any] = {"limit": limit}
        created = {k: v for k, v in (("gte", created_gte), ("lte", created_lte)) if v is not None}
        if created:
            params["created"] = created
        if starting_after:
            params["starting_after"] = starting_after
        return self._call("list_intents", lambda: self._v1.payment_intents.list(params=params),  # type: ignore[arg-type]
                          self._page(to.intent))

    # -- Terminal -------------------------------------------------------------------------
    def process_on_reader(self, reader_id: str, intent_id: str, *, idempotency_key: str,
                          skip_tipping: bool = True) -> ReaderInfo:
        params = {"payment_intent": intent_id,
                  "process_config": {"skip_tipping": skip_tipping}}
        readers = self._v1.terminal.readers
        return self._call("process_on_reader", lambda: readers.process_payment_intent(
            reader_id, params=params, options=self._key(idempotency_key)),  # type: ignore[arg-type]
            to.reader)

    def retrieve_reader(self, reader_id: str) -> ReaderInfo:
        readers = self._v1.terminal.readers
        return self._call("retrieve_reader", lambda: readers.retrieve(reader_id), to.reader)

    def cancel_reader_action(self, reader_id: str, *, idempotency_key: str) -> ReaderInfo:
        return self._call("cancel_reader_action", lambda: self._v1.terminal.readers.cancel_action(
            reader_id, options=self._key(idempotency_key)), to.reader)  # type: ignore[arg-type]

    def set_reader_display(self, reader_id: str, cart: CartDisplay, *,
                           idempotency_key: str) -> ReaderInfo:
        body: dict[str, Any] = {
            "currency": cart.currency.lower(), "total": cart.total_minor,
            "line_items": [{"description": line.description[:100], "amount": line.amount_minor,
                            "quantity": line.quantity} for line in cart.lines],
        }
        if cart.tax_minor is not None:
            body["tax"] = cart.tax_minor
        readers = self._v1.terminal.readers
        return self._call("set_reader_display", lambda: readers.set_reader_display(
            reader_id, params={"type": "cart", "cart": body},  # type: ignore[typeddict-item]
            options=self._key(idempotency_key)), to.reader)  # type: ignore[arg-type]

    def present_payment_method(self, reader_id: str, card_number: str | None = None) -> (
            ReaderInfo):
        """Stripe's test helper: a card is tapped on a simulated reader (training only)."""
        self._training_only()
        params: dict[str, Any] = {"type": "card_present"}
        if card_number:
            params["card_present"] = {"number": card_number}
        helpers = self._v1.test_helpers.terminal.readers
        return self._call("present_payment_method", lambda: helpers.present_payment_method(
            reader_id, params=params), to.reader)  # type: ignore[arg-type]

    def simulate_reader(self, reader_id: str, outcome: str) -> ReaderInfo:
        """The emulator's simulate endpoint (training only): approve, decline,
        insufficient_funds, expired, customer_cancels, reader_timeout, ..."""
        self._training_only()
        path = f"/_emulator/readers/{reader_id}/simulate"
        return self._call("simulate_reader", lambda: self._client.deserialize(
            self._client.raw_request("post", path, outcome=outcome), api_mode="V1"),
            to.reader)

    def create_location(self, display_name: str, address: Address, *,
                        idempotency_key: str) -> LocationInfo:
        addr = {k: v for k, v in (("line1", address.line1), ("line2", address.line2),
                                  ("city", address.city), ("state", address.state),
                                  ("postal_code", address.postal_code),
                                  ("country", address.country)) if v}
        return self._call("create_location", lambda: self._v1.terminal.locations.create(
            params={"display_name": display_name, "address": addr},  # type: ignore[arg-type]
            options=self._key(idempotency_key)), to.location)  # type: ignore[arg-type]

    def list_locations(self, *, limit: int = 100) -> tuple[LocationInfo, ...]:
        locations = self._v1.terminal.locations
        return self._call("list_locations", lambda: locations.list(params={"limit": limit}),
                          self._page(to.location)).items

    def register_reader(self, registration_code: str, location_id: str, *, label: str,
                        idempotency_key: str) -> ReaderInfo:
        params = {"registration_code": registration_code, "location": location_id,
                  "label": label}
        return self._call("register_reader", lambda: self._v1.terminal.readers.create(
            params=params, options=self._key(idempotency_key)), to.reader)  # type: ignore[arg-type]

    def list_readers(self, *, location_id: str | None = None, limit: int = 100) -> (
            tuple[ReaderInfo, ...]):
        params: dict[str, Any] = {"limit": limit}
        if location_id:
            params["location"] = location_id
        return self._call("list_readers", lambda: self._v1.terminal.readers.list(params=params),  # type: ignore[arg-type]
                          self._page(to.reader)).items

    # -- Refunds and events ---------------------------------------------------------------
    def create_refund(self, intent_id: str, *, idempotency_key: str,
                      amount_minor: int | None = None, reason: str | None = None,
                      metadata: Mapping[str, str] | None = None) -> RefundInfo:
        params: dict[str, Any] = {"payment_intent": intent_id}
        if amount_minor is not None:
            params["amount"] = amount_minor
        if reason:
            params["reason"] = reason
        if metadata:
            params["metadata"] = dict(metadata)
        return self._call("create_refund", lambda: self._v1.refunds.create(
            params=params, options=self._key(idempotency_key)),  # type: ignore[arg-type]
            to.refund, refund=True)

    def retrieve_refund(self, refund_id: str) -> RefundInfo:
        return self._call("retrieve_refund", lambda: self._v1.refunds.retrieve(refund_id),
                          to.refund)

    def list_refunds(self, intent_id: str, *, limit: int = 100) -> tuple[RefundInfo, ...]:
        return self._call("list_refunds", lambda: self._v1.refunds.list(
            params={"payment_intent": intent_id, "limit": limit}), self._page(to.refund)).items

    def list_events(self, *, types: Sequence[str] = (), created_gte: int | None = None,
                    starting_after: str | None = None, limit: int = 100) -> Page[EventInfo]:
        params: dict[str, Any] = {"limit": limit}
        if types:
            params["types"] = list(types)
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        if starting_after:
            params["starting_after"] = starting_after
        return self._call("list_events", lambda: self._v1.events.list(params=params),  # type: ignore[arg-type]
                          self._page(to.event))


def _conforms(gateway: StripeGateway) -> PaymentGateway:
    """mypy checks here that the adapter implements the services' port."""
    return gateway
