"""Texts of the F8 refund screen (kept out of ``dialog.py``): the quote line, the status
after the commit, and what the screen says about a sale rung on another till."""

from __future__ import annotations

from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import LegAction
from ireti_till.services.refund_ports import RefundQuote, RefundRecord

ASKING = "Asking the back office for {code} (a sale of another till)..."
RUNG_ON = "Rung on till {till} · "
REMOTE_BUSY = "Reserving the refund with the back office..."


def describe(quote: RefundQuote) -> str:
    parts = []
    for leg in quote.legs:
        if leg.action is LegAction.CASH_OUT:
            parts.append(f"{leg.amount.format()} cash from the drawer")
        elif leg.action is LegAction.CARD_CANCEL:
            parts.append(f"{leg.amount.format()} by cancelling the card authorisation "
                         f"(****{leg.card_last4})")
        else:
            parts.append(f"{leg.amount.format()} back to {(leg.card_brand or 'card').title()}"
                         f" ****{leg.card_last4}")
    text = f"Refund {quote.amount.format()}: " + "; ".join(parts)
    if quote.needs_approval:
        role = quote.decision.approver_role.value if quote.decision.approver_role else ""
        text += f". Needs a {role}'s PIN ({', '.join(quote.decision.rules)})"
    return text


def status_text(record: RefundRecord) -> str:
    cash = sum(leg.amount.minor for leg in record.legs if leg.action is LegAction.CASH_OUT)
    lines = [f"Refund {record.code} recorded: {record.amount.format()}."]
    if cash:
        lines.append(f"Pay {Money(cash, record.amount.currency).format()} from the drawer.")
    if record.pending:
        lines.append("Card refund pending: queued, the till sends it to Stripe (at once "
                     "when online) and this screen follows it.")
    elif any(leg.state.value == "failed" for leg in record.legs):
        lines.append("A card refund FAILED: call a supervisor (queue panel).")
    elif any(leg.op_id for leg in record.legs):
        lines.append("Card refund confirmed by Stripe.")
    return " ".join(lines)
