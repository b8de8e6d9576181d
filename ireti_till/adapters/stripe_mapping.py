"""Stripe JSON (from SDK objects, via ``to_dict()``) -> the frozen values of the port.

Tolerant by design: a field that is missing (an older API version, or a fake such as
localstripe that omits it) becomes ``None``/empty rather than an exception.
"""

from __future__ import annotations

from typing import Any

from ireti_till.services.payment_port import (
    EventInfo,
    IntentInfo,
    LocationInfo,
    ReaderAction,
    ReaderInfo,
    RefundInfo,
)


def _id(value: Any) -> str | None:
    """An expandable field: an id string, an expanded object, or null."""
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


def _meta(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def intent(d: dict[str, Any]) -> IntentInfo:
    charge = d.get("latest_charge") if isinstance(d.get("latest_charge"), dict) else {}
    details = (charge or {}).get("payment_method_details") or {}
    card = details.get("card_present") or details.get("card") or {}
    error = d.get("last_payment_error") or {}
    return IntentInfo(
        id=d["id"],
        status=d["status"],
        amount_minor=int(d["amount"]),
        currency=d["currency"],
        capture_method=d.get("capture_method") or "automatic",
        amount_capturable_minor=int(d.get("amount_capturable") or 0),
        amount_received_minor=int(d.get("amount_received") or 0),
        metadata=_meta(d.get("metadata")),
        created=int(d.get("created") or 0),
        canceled_at=d.get("canceled_at"),
        cancellation_reason=d.get("cancellation_reason"),
        latest_charge_id=_id(d.get("latest_charge")),
        payment_method_id=_id(d.get("payment_method")),
        card_brand=card.get("brand"),
        card_last4=card.get("last4"),
        capture_before=card.get("capture_before"),
        last_error_code=error.get("code"),
        last_decline_code=error.get("decline_code"),
        last_error_message=error.get("message"),
    )


def reader(d: dict[str, Any]) -> ReaderInfo:
    raw = d.get("action")
    action = None
    if isinstance(raw, dict):
        process = raw.get("process_payment_intent") or {}
        action = ReaderAction(type=raw.get("type", ""), status=raw.get("status", ""),
                              failure_code=raw.get("failure_code"),
                              failure_message=raw.get("failure_message"),
                              payment_intent_id=_id(process.get("payment_intent")))
    return ReaderInfo(id=d["id"], label=d.get("label") or "", status=d.get("status"),
                      device_type=d.get("device_type") or "", location_id=_id(d.get("location")),
                      serial_number=d.get("serial_number") or "", action=action,
                      last_seen_at_ms=_int_or_none(d.get("last_seen_at")))


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def location(d: dict[str, Any]) -> LocationInfo:
    return LocationInfo(id=d["id"], display_name=d.get("display_name") or "",
                        country=(d.get("address") or {}).get("country") or "")


def refund(d: dict[str, Any]) -> RefundInfo:
    return RefundInfo(id=d["id"], status=d.get("status") or "", amount_minor=int(d["amount"]),
                      currency=d.get("currency") or "",
                      payment_intent_id=_id(d.get("payment_intent")),
                      charge_id=_id(d.get("charge")), reason=d.get("reason"),
                      failure_reason=d.get("failure_reason"), metadata=_meta(d.get("metadata")),
                      created=int(d.get("created") or 0))


def event(d: dict[str, Any]) -> EventInfo:
    obj = (d.get("data") or {}).get("object") or {}
    request = d.get("request") or {}
    if not isinstance(request, dict):  # very old API versions: a bare request id
        request = {"id": request}
    return EventInfo(id=d["id"], type=d["type"], created=int(d.get("created") or 0),
                     object_id=obj.get("id"), object_type=obj.get("object"),
                     object_status=obj.get("status"), object_metadata=_meta(obj.get("metadata")),
                     request_id=request.get("id"),
                     idempotency_key=request.get("idempotency_key"))
