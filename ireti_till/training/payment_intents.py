"""PaymentIntents: create, retrieve, update, list, search, capture, cancel, and the
transitions a reader drives (authorise, decline).

Status machine (card_present, server-driven): ``requires_payment_method`` --reader-->
``processing`` --approve--> ``requires_capture`` (manual) or ``succeeded`` (automatic);
--decline--> back to ``requires_payment_method`` with ``last_payment_error``.
``requires_capture`` --capture--> ``succeeded``; any open status --cancel--> ``canceled``.
"""

from __future__ import annotations

from typing import Any

from ireti_till.domain.currencies import ISO_CURRENCIES
from ireti_till.training.cards import TestCard
from ireti_till.training.charges import new_charge, sync_refunded
from ireti_till.training.params import Params, merge_metadata
from ireti_till.training.search import compile_query
from ireti_till.training.store import RequestContext, Route, State, list_page, public
from ireti_till.training.wire import ApiError, invalid, not_found

CAPTURE_METHODS = ("automatic", "automatic_async", "manual")
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
              "requires_action")


def get_intent(state: State, intent_id: str) -> dict[str, Any]:
    pi = state.intents.get(intent_id)
    if pi is None:
        raise not_found("payment_intent", intent_id, param="intent")
    return pi


def unexpected_state(pi: dict[str, Any], action: str) -> ApiError:
    return ApiError(
        400,
        f"This PaymentIntent's {action} could not be performed because it has a status of "
        f"{pi['status']}.",
        code="payment_intent_unexpected_state",
        extra={"payment_intent": render(None, pi, set())},
    )


def render(state: State | None, pi: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    out = public(pi)
    if state is not None and "latest_charge" in expand and pi["latest_charge"]:
        out["latest_charge"] = public(state.charges[pi["latest_charge"]])
    return out


def create(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["amount", "currency", "payment_method_types", "capture_method",
                      "metadata", "description", "statement_descriptor",
                      "statement_descriptor_suffix", "receipt_email", "confirm",
                      "payment_method_options"])
    amount = p.int_("amount", required=True, minimum=1)
    currency = p.str_("currency", required=True, max_len=3)
    assert amount is not None and currency is not None
    if currency.upper() not in ISO_CURRENCIES:  # Stripe: "Invalid currency: zzz"
        raise invalid(f"Invalid currency: {currency}", param="currency")
    if p.bool_("confirm"):
        raise invalid("card_present PaymentIntents are confirmed on a reader, not with "
                      "confirm=true", param="confirm")
    types = [str(t) for t in p.list_("payment_method_types")] or ["card"]
    metadata = merge_metadata({}, p.metadata())
    pi = state.stamp({
        "id": state.new_id("pi_"), "object": "payment_intent", "amount": amount,
        "amount_capturable": 0, "amount_received": 0, "application": None,
        "application_fee_amount": None, "automatic_payment_methods": None,
        "canceled_at": None, "cancellation_reason": None,
        "capture_method": p.str_("capture_method", choices=CAPTURE_METHODS) or "automatic",
        "client_secret": None, "confirmation_method": "automatic",
        "currency": currency.lower(), "customer": None, "description": p.str_("description"),
        "invoice": None, "last_payment_error": None, "latest_charge": None,
        "livemode": False, "metadata": metadata, "next_action": None, "on_behalf_of": None,
        "payment_method": None, "payment_method_options": {}, "payment_method_types": types,
        "processing": None, "receipt_email": p.str_("receipt_email"), "review": None,
        "setup_future_usage": None, "shipping": None,
        "statement_descriptor": p.str_("statement_descriptor", max_len=22),
        "statement_descriptor_suffix": p.str_("statement_descriptor_suffix", max_len=22),
        "status": "requires_payment_method", "transfer_data": None, "transfer_group": None,
    })
    pi["client_secret"] = f"{pi['id']}_secret_{state.new_id('', 16)}"
    state.intents[pi["id"]] = pi
    state.emit("payment_intent.created", pi, ctx)
    return render(state, pi, p.expand())


def retrieve(state: State, ctx: RequestContext, data: dict[str, Any], intent: str) -> (
        dict[str, Any]):
    p = Params(data, ["client_secret"])
    return render(state, get_intent(state, intent), p.expand())


def update(state: State, ctx: RequestContext, data: dict[str, Any], intent: str) -> (
        dict[str, Any]):
    p = Params(data, ["metadata", "description", "amount", "receipt_email"])
    pi = get_intent(state, intent)
    amount = p.int_("amount", minimum=1)
    if amount is not None:
        if pi["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise unexpected_state(pi, "update")
        pi["amount"] = amount
    pi["metadata"] = merge_metadata(pi["metadata"], p.metadata())
    if p.has("description"):
        pi["description"] = p.str_("description")
    if p.has("receipt_email"):
        pi["receipt_email"] = p.str_("receipt_email")
    return render(state, pi, p.expand())


def list_(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["created", "customer", "ending_before", "limit", "starting_after"])
    expand = {e.removeprefix("data.") for e in p.expand()}
    return list_page(state.intents.values(), p, "/v1/payment_intents",
                     lambda pi: render(state, pi, expand))


def search(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["query", "limit", "page"])
    match = compile_query(p.str_("query", required=True) or "")
    limit = p.int_("limit", minimum=1, maximum=100) or 10
    found = sorted((pi for pi in state.intents.values() if match(pi)),
                   key=lambda o: (o["_created"], o["_seq"]), reverse=True)
    page = p.str_("page")
    start = int(page.removeprefix("page_")) if page and page.startswith("page_") else 0
    chosen = found[start:start + limit]
    more = len(found) > start + limit
    expand = {e.removeprefix("data.") for e in p.expand()}
    return {"object": "search_result", "data": [render(state, pi, expand) for pi in chosen],
            "has_more": more, "next_page": f"page_{start + limit}" if more else None,
            "url": "/v1/payment_intents/search"}


def capture(state: State, ctx: RequestContext, data: dict[str, Any], intent: str) -> (
        dict[str, Any]):
    p = Params(data, ["amount_to_capture", "metadata", "statement_descriptor",
                      "statement_descriptor_suffix", "final_capture"])
    pi = get_intent(state, intent)
    if pi["status"] != "requires_capture":
        raise unexpected_state(pi, "capture")
    amount = p.int_("amount_to_capture", minimum=1)
    if amount is None:
        amount = pi["amount_capturable"]
    if amount > pi["amount_capturable"]:
        raise invalid(f"The amount to capture ({amount}) is greater than the amount "
                      f"capturable ({pi['amount_capturable']}).", param="amount_to_capture",
                      code="amount_too_large")
    charge = state.charges[pi["latest_charge"]]
    charge.update(captured=True, amount_captured=amount)
    sync_refunded(state, charge)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0,
              metadata=merge_metadata(pi["metadata"], p.metadata()))
    state.emit("charge.captured", charge, ctx)
    state.emit("payment_intent.succeeded", pi, ctx)
    return render(state, pi, p.expand())


def cancel(state: State, ctx: RequestContext, data: dict[str, Any], intent: str) -> (
        dict[str, Any]):
    p = Params(data, ["cancellation_reason"])
    pi = get_intent(state, intent)
    if pi["status"] not in CANCELABLE:
        raise unexpected_state(pi, "cancel")
    reason = p.str_("cancellation_reason", choices=CANCEL_REASONS)
    if pi["status"] == "requires_capture":
        charge = state.charges[pi["latest_charge"]]
        charge.update(amount_refunded=charge["amount"], refunded=True)
        state.emit("charge.refunded", charge, ctx)
    pi.update(status="canceled", canceled_at=state.now(), cancellation_reason=reason,
              amount_capturable=0)
    for reader in state.readers.values():
        action = reader.get("action")
        if (action and action["status"] == "in_progress"
                and action.get("process_payment_intent", {}).get("payment_intent") == pi["id"]):
            action.update(status="failed", failure_code="intent_canceled",
                          failure_message="The PaymentIntent was canceled.")
    state.emit("payment_intent.canceled", pi, ctx)
    return render(state, pi, p.expand())


def start_processing(state: State, pi: dict[str, Any], ctx: RequestContext | None) -> None:
    pi["status"] = "processing"
    state.emit("payment_intent.processing", pi, ctx)


def settle_card(state: State, pi: dict[str, Any], card: TestCard,
                ctx: RequestContext | None) -> dict[str, Any]:
    """The issuer's answer for ``card``: authorise or decline ``pi``. Returns the charge."""
    pm = state.new_id("pm_")
    charge = new_charge(state, pi, card, pm)
    pi["latest_charge"] = charge["id"]
    if card.approves:
        pi.update(payment_method=pm, last_payment_error=None)
        state.emit("charge.succeeded", charge, ctx)
        if pi["capture_method"] == "manual":
            pi.update(status="requires_capture", amount_capturable=pi["amount"])
            state.emit("payment_intent.amount_capturable_updated", pi, ctx)
        else:
            charge.update(captured=True, amount_captured=pi["amount"])
            pi.update(status="succeeded", amount_received=pi["amount"])
            state.emit("payment_intent.succeeded", pi, ctx)
        return charge
    error: dict[str, Any] = {"type": "card_error", "code": card.error_code,
                             "message": card.message, "charge": charge["id"],
                             "payment_method_type": "card_present"}
    if card.decline_code:
        error["decline_code"] = card.decline_code
    pi.update(status="requires_payment_method", payment_method=None,
              last_payment_error=error)
    state.emit("charge.failed", charge, ctx)
    state.emit("payment_intent.payment_failed", pi, ctx)
    return charge


ROUTES: list[Route] = [
    ("POST", "/v1/payment_intents", create),
    ("GET", "/v1/payment_intents", list_),
    ("GET", "/v1/payment_intents/search", search),
    ("GET", "/v1/payment_intents/{intent}", retrieve),
    ("POST", "/v1/payment_intents/{intent}", update),
    ("POST", "/v1/payment_intents/{intent}/capture", capture),
    ("POST", "/v1/payment_intents/{intent}/cancel", cancel),
]
