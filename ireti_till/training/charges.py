"""Charges behind PaymentIntents. Not served as an endpoint (outside the till's subset);
they appear as ``latest_charge`` (expandable) and carry the card-present details."""

from __future__ import annotations

from typing import Any

from ireti_till.training.cards import TestCard
from ireti_till.training.store import State


def new_charge(state: State, pi: dict[str, Any], card: TestCard, payment_method: str) -> (
        dict[str, Any]):
    ok = card.approves
    exp_year = 2020 if card.error_code == "expired_card" else 2031
    charge = state.stamp({
        "id": state.new_id("ch_"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "balance_transaction": None,
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "calculated_statement_descriptor": "IRETI TILL",
        "captured": False,
        "currency": pi["currency"],
        "description": pi.get("description"),
        "disputed": False,
        "failure_code": card.error_code,
        "failure_message": card.message or None,
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "outcome": {
            "network_status": "approved_by_network" if ok else "declined_by_network",
            "reason": None if ok else card.decline_code,
            "risk_level": "normal",
            "seller_message": "Payment complete." if ok else "The bank declined the payment.",
            "type": "authorized" if ok else "issuer_declined",
        },
        "paid": ok,
        "payment_intent": pi["id"],
        "payment_method": payment_method,
        "payment_method_details": {
            "type": "card_present",
            "card_present": {
                "brand": card.brand,
                "cardholder_name": None,
                "country": "US",
                "exp_month": 12,
                "exp_year": exp_year,
                "fingerprint": "emu" + card.number[-8:],
                "funding": card.funding,
                "incremental_authorization_supported": False,
                "overcapture_supported": False,
                "last4": card.last4,
                "network": card.brand,
                "read_method": "contactless_emv",
                "receipt": None,
            },
        },
        "refunded": False,
        "status": "succeeded" if ok else "failed",
        "_card": card.number,
    })
    if ok:  # card-present authorisations lapse: capture within 2 days
        charge["payment_method_details"]["card_present"]["capture_before"] = (
            state.now() + 2 * 86400)
    state.charges[charge["id"]] = charge
    return charge


def refundable(charge: dict[str, Any], refunds: list[dict[str, Any]]) -> int:
    """What can still be refunded: captured minus every refund not failed or canceled."""
    taken = sum(r["amount"] for r in refunds if r["status"] not in ("failed", "canceled"))
    return int(charge["amount_captured"]) - taken


def sync_refunded(state: State, charge: dict[str, Any]) -> None:
    """Recompute ``amount_refunded``/``refunded`` (the uncaptured part counts as refunded)."""
    refunds = [r for r in state.refunds.values() if r["charge"] == charge["id"]]
    taken = sum(r["amount"] for r in refunds if r["status"] not in ("failed", "canceled"))
    released = charge["amount"] - charge["amount_captured"] if charge["captured"] else 0
    charge["amount_refunded"] = taken + released
    charge["refunded"] = charge["captured"] and charge["amount_refunded"] >= charge["amount"]
