"""Refunds in the fault tests: the real refund service on a till's ledger, two crash points
around a refund, and the refund books (the ledger's legs against Stripe's refunds).

Crash points (reached from the test side, the service has none of its own):
``refund.committed``: the refund, its legs and outbox rows are committed, nothing is sent
(the service's ``on_committed`` hook); ``refund.sent``: Stripe answered the refund create,
the outbox row is not marked yet (a gateway wrapper around ``create_refund``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.refund_wiring import build_refund_service
from ireti_till.adapters.secrets import SecretStore
from ireti_till.adapters.staff_wiring import build_audit_log
from ireti_till.domain.refund_policy import default_matrix
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import PaymentGateway
from ireti_till.services.refunds import RefundService

REFUND_POINTS = ("refund.committed", "refund.sent")
#: An administrator asks: no refund in these tests waits for a supervisor's PIN.
CLERK = StaffMember("00000000-0000-4000-8000-00000000a11c", "Fault admin", Role.ADMIN)


class CrashingRefundGateway:
    """The till's gateway, with ``refund.sent`` reached once Stripe answered a refund."""

    def __init__(self, inner: PaymentGateway, crash: Callable[[str], None]) -> None:
        self._inner = inner
        self._crash = crash

    def create_refund(self, *args: Any, **kw: Any) -> Any:
        answer = self._inner.create_refund(*args, **kw)
        self._crash("refund.sent")
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def arm_refund_points(ctx: PaymentContext, crash: Callable[[str], None]) -> None:
    if not isinstance(ctx.gateway, CrashingRefundGateway):
        ctx.gateway = cast(PaymentGateway, CrashingRefundGateway(ctx.gateway, crash))


def refund_service(engine: Engine, secrets_dir: Path, till_id: str,
                   crash: Callable[[str], None]) -> RefundService:
    """The refund service as the app builds it; the audit key in a throwaway file."""
    secrets_dir.mkdir(parents=True, exist_ok=True)
    store = SecretStore(secrets_dir, training=True)
    store.use_keyring = False  # children of the harness never touch a real keyring
    clock = SystemClock()
    audit = build_audit_log(engine, store, clock)
    return build_refund_service(engine, audit, None, till_id=till_id,
                                matrix=default_matrix("EUR"), clock=clock,
                                on_committed=lambda _r: crash("refund.committed"))


@dataclass
class RefundBooks:
    refunds: int = 0  # refunds at Stripe on this till's PaymentIntents (not failed)
    refund_legs: int = 0  # card refund legs committed in the ledger
    over_refunds: int = 0  # PaymentIntents refunded beyond their capture (Stripe or ledger)
    duplicate_refunds: int = 0  # extra Stripe refunds for one leg
    refunds_missing: int = 0  # legs the outbox marked done that Stripe does not hold
    refunds_unknown: int = 0  # Stripe refunds of ours with no leg in the ledger
    refunds_queued_left: int = 0  # refund rows still pending after the final drain

    @property
    def clean(self) -> bool:
        return not (self.over_refunds or self.duplicate_refunds or self.refunds_missing
                    or self.refunds_unknown)


def refund_books(db_path: Path, mine: list[dict[str, Any]],
                 stripe_refunds: list[dict[str, Any]] | None) -> RefundBooks:
    """``mine``: this till's PaymentIntents; ``stripe_refunds`` None: the ledger side only."""
    b = RefundBooks()
    conn = sqlite3.connect(db_path)
    try:
        legs = conn.execute(
            "SELECT l.leg_id, l.intent_id, l.amount_minor, o.state FROM refund_legs l "
            "LEFT JOIN payment_outbox o ON o.op_id = l.op_id "
            "WHERE l.action = 'card_refund'").fetchall()
        paid: dict[str, int] = {}
        for ref, amount in conn.execute(
                "SELECT reference, amount_minor FROM sale_tenders WHERE kind = 'card'"):
            paid[ref] = paid.get(ref, 0) + amount
    finally:
        conn.close()
    b.refund_legs = len(legs)
    b.refunds_queued_left = sum(1 for *_, state in legs if state in ("pending", "reconcile"))
    local: dict[str, int] = {}
    for _leg, intent, amount, _state in legs:
        local[intent] = local.get(intent, 0) + amount
    b.over_refunds = sum(1 for pi, total in local.items() if total > paid.get(pi, 0))
    if stripe_refunds is None:
        return b
    captured = {p["id"]: int(p.get("amount_received") or 0) for p in mine}
    ours = [r for r in stripe_refunds if r["payment_intent"] in captured
            and r["status"] not in ("failed", "canceled")]
    b.refunds = len(ours)
    at_stripe: dict[str, int] = {}
    by_leg: dict[str, int] = {}
    for r in ours:
        at_stripe[r["payment_intent"]] = at_stripe.get(r["payment_intent"], 0) + r["amount"]
        leg = r.get("metadata", {}).get("refund_id", "")
        by_leg[leg] = by_leg.get(leg, 0) + 1
    b.over_refunds += sum(1 for pi, total in at_stripe.items() if total > captured[pi])
    b.duplicate_refunds = sum(n - 1 for n in by_leg.values() if n > 1)
    known = {leg for leg, *_ in legs}
    b.refunds_unknown = sum(n for leg, n in by_leg.items() if leg not in known)
    b.refunds_missing = sum(1 for leg, _pi, _a, state in legs
                            if state == "done" and leg not in by_leg)
    return b
