"""Refunds: full, partial, several per payment, reasons, over-refunds rejected.

A refund is ``succeeded`` at once, or ``pending`` for ``state.refund_pending_s`` seconds
of emulator clock and then ``succeeded``. A payment made with ``4000000000005126`` (or any
refund while ``state.refund_failure`` is set) goes ``pending`` and then ``failed`` with
``failure_reason`` ``expired_or_canceled_card``, returning the amount to the refundable
balance.
"""

from __future__ import annotations

from typing import Any

from ireti_till.training.cards import lookup
from ireti_till.training.charges import refundable, sync_refunded
from ireti_till.training.params import Params, merge_metadata
from ireti_till.training.store import RequestContext, Route, State, list_page, public
from ireti_till.training.wire import ApiError, invalid, not_found

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _charge_for(state: State, p: Params) -> dict[str, Any]:
    intent_id, charge_id = p.str_("payment_intent"), p.str_("charge")
    if charge_id:
        charge = state.charges.get(charge_id)
        if charge is None:
            raise not_found("charge", charge_id, param="charge")
        return charge
    if not intent_id:
        raise invalid("One of the following params should be provided for this request: "
                      "payment_intent or charge.", param="payment_intent",
                      code="parameter_missing")
    pi = state.intents.get(intent_id)
    if pi is None:
        raise not_found("payment_intent", intent_id, param="payment_intent")
    if pi["status"] != "succeeded" or not pi["latest_charge"]:
        raise ApiError(400, f"This PaymentIntent ({intent_id}) does not have a successful "
                       "charge to refund.", code="charge_not_refundable",
                       param="payment_intent")
    return state.charges[pi["latest_charge"]]


def _settle(state: State, refund_id: str, status: str) -> None:
    refund = state.refunds[refund_id]
    previous = {"status": refund["status"]}
    refund["status"] = status
    if status == "failed":
        refund["failure_reason"] = "expired_or_canceled_card"
    sync_refunded(state, state.charges[refund["charge"]])
    state.emit("refund.failed" if status == "failed" else "refund.updated", refund, None,
               previous)


def create(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["payment_intent", "charge", "amount", "reason", "metadata",
                      "refund_application_fee", "reverse_transfer"])
    charge = _charge_for(state, p)
    mine = [r for r in state.refunds.values() if r["charge"] == charge["id"]]
    left = refundable(charge, mine)
    if left <= 0:
        raise ApiError(400, f"Charge {charge['id']} has already been refunded.",
                       code="charge_already_refunded")
    amount = p.int_("amount", minimum=1)
    amount = left if amount is None else amount
    if amount > left:
        raise ApiError(400, f"Refund amount ({amount}) is greater than unrefunded amount on "
                       f"charge ({left})", code="amount_too_large", param="amount")
    card = lookup(charge["_card"])
    fails = bool(state.refund_failure or (card is not None and card.refund_fails))
    delay = state.refund_pending_s
    refund = state.stamp({
        "id": state.new_id("re_"), "object": "refund", "amount": amount,
        "balance_transaction": None, "charge": charge["id"], "currency": charge["currency"],
        "metadata": merge_metadata({}, p.metadata()),
        "payment_intent": charge["payment_intent"],
        "reason": p.str_("reason", choices=REASONS), "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "pending" if (fails or delay > 0) else "succeeded",
        "transfer_reversal": None,
    })
    state.refunds[refund["id"]] = refund
    sync_refunded(state, charge)
    state.emit("refund.created", refund, ctx)
    state.emit("charge.refunded", charge, ctx)
    if refund["status"] == "pending":
        rid, final = refund["id"], "failed" if fails else "succeeded"
        state.schedule(max(delay, 1.0 if fails else delay), lambda: _settle(state, rid, final))
    return public(refund)


def _get(state: State, refund: str) -> dict[str, Any]:
    obj = state.refunds.get(refund)
    if obj is None:
        raise not_found("refund", refund, param="refund")
    return obj


def retrieve(state: State, ctx: RequestContext, data: dict[str, Any], refund: str) -> (
        dict[str, Any]):
    Params(data, [])
    return public(_get(state, refund))


def update(state: State, ctx: RequestContext, data: dict[str, Any], refund: str) -> (
        dict[str, Any]):
    p = Params(data, ["metadata"])
    obj = _get(state, refund)
    obj["metadata"] = merge_metadata(obj["metadata"], p.metadata())
    return public(obj)


def list_(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["payment_intent", "charge", "created", "ending_before", "limit",
                      "starting_after"])
    intent_id, charge_id = p.str_("payment_intent"), p.str_("charge")
    items = [r for r in state.refunds.values()
             if (not intent_id or r["payment_intent"] == intent_id)
             and (not charge_id or r["charge"] == charge_id)]
    return list_page(items, p, "/v1/refunds")


ROUTES: list[Route] = [
    ("POST", "/v1/refunds", create),
    ("GET", "/v1/refunds", list_),
    ("GET", "/v1/refunds/{refund}", retrieve),
    ("POST", "/v1/refunds/{refund}", update),
]
