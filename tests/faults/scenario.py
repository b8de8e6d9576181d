"""A seeded till scenario that passes every crash point, and the invariant checks.

``run_scenario`` rings a few sales on a ``PaymentsCore`` the way a cashier would (card
approve, decline then another card, a partial refund of that card sale then the rest through
the refund service, split cash + card, void with an authorised card, abandon and pay cash),
acting as the customer on the simulated reader. ``check`` then holds the ledger against the
emulator's books (PaymentIntents and refunds).
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.services.refunds import RefundRequest, RefundService
from tests.faults.refunds import CLERK, RefundBooks, refund_books
from tests.faults.support import sale_template

S = AttemptState


def _settle(core: PaymentsCore, st: CardStatus, outcome: str) -> CardStatus:
    if st.phase == "waiting_for_card":
        core.simulate(outcome)
        for _ in range(50):
            st = core.cards.poll(st.attempt_id)
            if st.settled:
                break
    return st


def card(core: PaymentsCore, sale_id: Any, amount: Money | None, outcomes: list[str]) -> (
        CardStatus):
    st = core.cards.start(sale_id, amount)
    for i, outcome in enumerate(outcomes):
        if i:
            st = core.cards.try_again(st.attempt_id)
        st = _settle(core, st, outcome)
    return st


def run_scenario(core: PaymentsCore, seed: int, till_id: str = "T1",
                 refunds: RefundService | None = None) -> None:
    rng = random.Random(seed)
    # 1. a card sale, sometimes declined first
    total = rng.randint(100, 5000)
    sale = sale_template(total, till_id=till_id)
    core.tender.begin(sale)
    first = rng.choice(["approve", "decline", "insufficient_funds", "customer_cancels"])
    card(core, sale.sale_id, None, [first, "approve"] if first != "approve" else ["approve"])
    if refunds is not None:  # 1b. part of it back, then the rest; the outbox sends each
        core.outbox.drain()
        part = rng.randint(1, total - 1)
        for amount in (part, total - part):
            refunds.refund(RefundRequest(sale.sale_id, Money(amount, "EUR")), "fault test",
                           CLERK)
            core.outbox.drain()
    # 2. split tender: cash, then a card for part, then either a card or a void
    sale = sale_template(rng.randint(2000, 9000), till_id=till_id)
    core.tender.begin(sale)
    core.tender.pay_cash(sale.sale_id, Money(500, "EUR"))
    card(core, sale.sale_id, Money(700, "EUR"), ["approve"])
    if rng.random() < 0.5:
        core.cards.void_sale(sale.sale_id, "customer changed mind")
    else:
        card(core, sale.sale_id, None, ["approve"])
    # 3. a card abandoned for cash
    sale = sale_template(rng.randint(100, 900), till_id=till_id)
    core.tender.begin(sale)
    st = card(core, sale.sale_id, None, ["decline"])
    core.cards.abandon(st.attempt_id, "paid cash instead")
    core.tender.pay_cash(sale.sale_id, Money(1000, "EUR"))


@dataclass
class Books:
    sales_lost: int = 0
    double_charges: int = 0
    orphan_authorisations: int = 0
    captured_mismatch: int = 0
    open_sales: int = 0
    needs_reconciliation: int = 0
    integrity: str = "ok"
    refunds: RefundBooks = field(default_factory=RefundBooks)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.sales_lost or self.double_charges or self.orphan_authorisations
                    or self.captured_mismatch or self.open_sales or self.integrity != "ok"
                    or not self.refunds.clean)


def check(db_path: Path, intents: list[dict[str, Any]], till_id: str = "T1",
          stripe_refunds: list[dict[str, Any]] | None = None) -> Books:
    """Compare the ledger with Stripe's (the emulator's) PaymentIntents for this till, and
    its refunds with Stripe's (``stripe_refunds`` None: the ledger side only)."""
    b = Books()
    mine = [p for p in intents if p.get("metadata", {}).get("till_id") == till_id]
    b.refunds = refund_books(db_path, mine, stripe_refunds)
    conn = sqlite3.connect(db_path)
    try:
        b.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tender = {sid: (state, rno) for sid, state, rno in conn.execute(
            "SELECT sale_id, state, receipt_no FROM tender_sales")}
        sales = {sid: total for sid, total in conn.execute("SELECT id, total_minor FROM sales")}
        card_paid: dict[str, int] = {}
        for sid, amount in conn.execute(
                "SELECT sale_id, amount_minor FROM sale_tenders WHERE kind = 'card'"):
            card_paid[sid] = card_paid.get(sid, 0) + amount
        attempts = {aid: (state, sid) for aid, state, sid in conn.execute(
            "SELECT attempt_id, state, sale_id FROM card_attempts")}
        for sid, amount in conn.execute(  # a full refund of an uncaptured card cancels it
                "SELECT r.sale_id, l.amount_minor FROM refund_legs l JOIN refunds r "
                "ON r.id = l.refund_id WHERE l.action = 'card_cancel'"):
            card_paid[sid] = card_paid.get(sid, 0) - amount
    finally:
        conn.close()
    for sid, (state, _rno) in tender.items():
        if state == "completed" and sid not in sales:
            b.sales_lost += 1
        if state == "open":
            b.open_sales += 1
    b.needs_reconciliation = sum(1 for s, _ in attempts.values() if s == "needs_reconciliation")
    by_attempt: dict[str, int] = {}
    captured: dict[str, int] = {}
    for p in mine:
        aid, sid = p["metadata"].get("attempt_id"), p["metadata"].get("sale_id")
        if p["status"] == "succeeded":
            by_attempt[aid] = by_attempt.get(aid, 0) + 1
            captured[sid] = captured.get(sid, 0) + int(p.get("amount_received") or p["amount"])
            if tender.get(sid, ("?",))[0] != "completed":
                b.sales_lost += 1  # money taken for a sale the ledger does not have
                b.notes.append(f"captured {p['id']} for sale {sid} not completed")
        if p["status"] == "requires_capture" and attempts.get(aid, ("",))[0] != (
                "needs_reconciliation"):
            b.orphan_authorisations += 1
            b.notes.append(f"orphan authorisation {p['id']} ({attempts.get(aid)})")
    b.double_charges = sum(n - 1 for n in by_attempt.values() if n > 1)
    for sid in set(captured) | set(card_paid):
        if captured.get(sid, 0) != card_paid.get(sid, 0):
            b.captured_mismatch += 1
            b.notes.append(f"sale {sid}: captured {captured.get(sid, 0)} "
                           f"!= local {card_paid.get(sid, 0)}")
    return b
