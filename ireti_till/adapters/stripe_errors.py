"""Stripe SDK errors -> the till's payment errors (``ireti_till.domain.payment_errors``).

The mapping keys on what Stripe documents as stable: the HTTP status, the error ``type``
(the SDK's exception class) and ``code``/``decline_code``; never on message text. The
``Stripe-Should-Retry`` header, ``Idempotent-Replayed`` (as ``replayed``) and ``Request-Id``
travel with every mapped error.
"""

from __future__ import annotations

from collections.abc import Mapping

import stripe

from ireti_till.domain import payment_errors as pe

_BY_CODE: dict[str, type[pe.StripePaymentError]] = {
    "terminal_reader_busy": pe.ReaderBusy,
    "terminal_reader_offline": pe.ReaderOffline,
    "terminal_reader_timeout": pe.ReaderTimeout,
    "intent_invalid_state": pe.IntentInvalidState,
    "payment_intent_unexpected_state": pe.IntentInvalidState,
    "resource_missing": pe.PaymentNotFound,
    "idempotency_key_in_use": pe.IdempotencyInProgress,
}
_REFUND_TOO_LARGE = ("amount_too_large", "charge_already_refunded")


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def should_retry_hint(headers: Mapping[str, str] | None) -> bool | None:
    value = _header(headers, "stripe-should-retry")
    return {"true": True, "false": False}.get(value or "")


def replayed_flag(headers: Mapping[str, str] | None) -> bool:
    """``Idempotent-Replayed: true``: Stripe answered from what it stored under our key."""
    return (_header(headers, "idempotent-replayed") or "").strip().lower() == "true"


def to_domain(err: stripe.StripeError, *, refund: bool = False) -> pe.StripePaymentError:
    """The till's error for a Stripe SDK error. ``refund``: the call was a refund."""
    status = err.http_status
    headers = err.headers
    body = err.json_body if isinstance(err.json_body, dict) else {}
    raw = body.get("error")
    detail_error: dict[str, object] = raw if isinstance(raw, dict) else {}
    code = err.code or _str(detail_error.get("code"))
    decline = _str(detail_error.get("decline_code"))
    request_id = err.request_id or _header(headers, "request-id")
    hint = should_retry_hint(headers)
    replayed = replayed_flag(headers)
    detail = (err.user_message or str(err) or "")[:500]

    def make(cls: type[pe.StripePaymentError]) -> pe.StripePaymentError:
        return cls(http_status=status, request_id=request_id, stripe_code=code,
                   should_retry=hint, detail=detail, replayed=replayed)

    if isinstance(err, stripe.CardError):
        return pe.card_declined(decline or code, http_status=status, request_id=request_id,
                                stripe_code=code, should_retry=hint, detail=detail,
                                replayed=replayed)
    if isinstance(err, stripe.RateLimitError):
        return make(pe.RateLimited)
    if isinstance(err, stripe.AuthenticationError | stripe.PermissionError):
        return make(pe.StripeAuthenticationError)
    if isinstance(err, stripe.IdempotencyError):
        return make(pe.IdempotencyMismatch)
    if isinstance(err, stripe.APIConnectionError):
        return make(pe.StripeUnreachable)
    if refund and code in _REFUND_TOO_LARGE:
        return make(pe.RefundTooLarge)
    if code in _BY_CODE:
        return make(_BY_CODE[code])
    if status == 404:
        return make(pe.PaymentNotFound)
    if status == 409:
        return make(pe.IdempotencyInProgress)
    if isinstance(err, stripe.APIError) or (status or 0) >= 500:
        return make(pe.StripeApiError)
    if isinstance(err, stripe.InvalidRequestError):
        return make(pe.InvalidPaymentRequest)
    return make(pe.StripePaymentError)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
