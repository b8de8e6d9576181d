"""Reconciliation of a day (or a shift) against Stripe: every card payment and card refund in
the ledger matched to this till's PaymentIntents and refunds (by id and metadata), and
every mismatch listed: missing on either side, another amount, another state.

Read-only on both sides: nothing is captured, refunded or changed here. Work the till has
not sent yet (a capture or refund still in the outbox) is a note, not a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, Self, TypeVar

from ireti_till.domain.errors import PaymentError, TillError
from ireti_till.domain.payment_errors import PaymentNotFound
from ireti_till.services.payment_port import IntentInfo, PaymentGateway, RefundInfo
from ireti_till.services.ports import UnitOfWork

T = TypeVar("T")
CHARGED = frozenset({"succeeded", "requires_capture"})


@dataclass(frozen=True, slots=True)
class LedgerPayment:
    sale_id: str
    receipt_code: str
    intent_id: str | None
    amount_minor: int
    currency: str
    capture_queued: bool


@dataclass(frozen=True, slots=True)
class LedgerRefund:
    leg_id: str
    refund_code: str
    intent_id: str | None
    amount_minor: int
    currency: str
    outbox_state: str  # pending | reconcile | failed | done | resolved | none


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str  # missing_at_stripe | missing_in_ledger | amount | state
    ref: str
    detail: str

    def line(self) -> str:
        return f"{self.kind:<18} {self.ref:<22} {self.detail}"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    payments_matched: int
    refunds_matched: int
    mismatches: tuple[Mismatch, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        head = (f"Stripe: {self.payments_matched} payments and {self.refunds_matched} refunds "
                f"matched, {len(self.mismatches)} mismatch(es)")
        return [head, *(m.line() for m in self.mismatches), *self.notes]


class ReconcileRows(Protocol):
    def payments(self, till_id: str, *, shift_id: str | None = None,
                 start: datetime | None = None,
                 end: datetime | None = None) -> list[LedgerPayment]: ...
    def refunds(self, till_id: str, *, shift_id: str | None = None,
                start: datetime | None = None,
                end: datetime | None = None) -> list[LedgerRefund]: ...


class ReconcileUnitOfWork(UnitOfWork, Protocol):
    reconcile_rows: ReconcileRows

    def __enter__(self) -> Self: ...


def _unreachable(exc: PaymentError) -> TillError:
    return TillError(f"Stripe could not be reached for the reconciliation ({exc.code}): "
                     "nothing was changed; try again later", code="IT-651")


def _stripe(call: Callable[[], T]) -> T:
    try:
        return call()
    except PaymentError as exc:
        raise _unreachable(exc) from exc


def reconcile(uow: Callable[[], ReconcileUnitOfWork], gateway: PaymentGateway, till_id: str, *,
              start: datetime, end: datetime, shift_id: str | None = None) -> Reconciliation:
    """Match ``[start, end)`` (or ``shift_id``) of ``till_id`` against Stripe."""
    with uow() as u:
        payments = u.reconcile_rows.payments(till_id, shift_id=shift_id, start=start, end=end)
        refunds = u.reconcile_rows.refunds(till_id, shift_id=shift_id, start=start, end=end)
    intents = _intents(gateway, till_id, start, end)
    found: list[Mismatch] = []
    notes: list[str] = []
    matched = 0
    for p in payments:
        pi = intents.get(p.intent_id or "")
        if pi is None and p.intent_id:
            pi = _retrieve(gateway, p.intent_id)
        if pi is None:
            found.append(Mismatch("missing_at_stripe", p.receipt_code,
                                  f"card {p.amount_minor} {p.currency} ({p.intent_id})"))
            continue
        got = pi.amount_received_minor if pi.status == "succeeded" else pi.amount_minor
        if got != p.amount_minor:
            found.append(Mismatch("amount", p.receipt_code,
                                  f"ledger {p.amount_minor}, Stripe {got} ({pi.id})"))
        elif pi.status == "requires_capture" and p.capture_queued:
            notes.append(f"{p.receipt_code}: capture still queued ({pi.id})")
            matched += 1
        elif pi.status != "succeeded":
            found.append(Mismatch("state", p.receipt_code,
                                  f"Stripe says {pi.status} ({pi.id})"))
        else:
            matched += 1
    known = {p.intent_id for p in payments}
    for pi in intents.values():
        if pi.id not in known and pi.status in CHARGED and _inside(pi, start, end):
            found.append(Mismatch("missing_in_ledger", pi.id,
                                  f"{pi.status} {pi.amount_minor} {pi.currency.upper()} "
                                  f"sale {pi.metadata.get('sale_id', '?')}"))
    refunds_matched = _refunds(gateway, refunds, intents, found, notes)
    return Reconciliation(matched, refunds_matched, tuple(found), tuple(notes))


def _retrieve(gateway: PaymentGateway, intent_id: str) -> IntentInfo | None:
    try:
        return gateway.retrieve_intent(intent_id)
    except PaymentNotFound:
        return None
    except PaymentError as exc:
        raise _unreachable(exc) from exc


def _inside(pi: IntentInfo, start: datetime, end: datetime) -> bool:
    return start.timestamp() <= pi.created < end.timestamp()


def _intents(gateway: PaymentGateway, till_id: str, start: datetime,
             end: datetime) -> dict[str, IntentInfo]:
    out: dict[str, IntentInfo] = {}
    after: str | None = None
    while True:
        page = _stripe(lambda a=after: gateway.list_intents(  # type: ignore[misc]
            created_gte=int(start.timestamp()) - 3600, created_lte=int(end.timestamp()),
            limit=100, starting_after=a))
        items = page.items
        for pi in items:
            if pi.metadata.get("till_id") == till_id:
                out[pi.id] = pi
        if not page.has_more or not items:
            return out
        after = items[-1].id


def _refunds(gateway: PaymentGateway, refunds: list[LedgerRefund],
             intents: dict[str, IntentInfo], found: list[Mismatch], notes: list[str]) -> int:
    by_intent: dict[str, dict[str, RefundInfo]] = {}
    ids = {pi.id for pi in intents.values() if pi.status == "succeeded"}
    ids |= {r.intent_id for r in refunds if r.intent_id}
    for intent_id in sorted(ids):
        listed = _stripe(lambda i=intent_id: gateway.list_refunds(i))  # type: ignore[misc]
        by_intent[intent_id] = {r.metadata.get("refund_id", r.id): r for r in listed}
    matched = 0
    ours: set[str] = set()
    for leg in refunds:
        ours.add(leg.leg_id)
        remote = by_intent.get(leg.intent_id or "", {}).get(leg.leg_id)
        if remote is None:
            if leg.outbox_state in ("pending", "reconcile"):
                notes.append(f"{leg.refund_code}: refund still queued")
            else:
                found.append(Mismatch("missing_at_stripe", leg.refund_code,
                                      f"refund {leg.amount_minor} {leg.currency} "
                                      f"(outbox {leg.outbox_state})"))
            continue
        amount, status = remote.amount_minor, remote.status
        if amount != leg.amount_minor:
            found.append(Mismatch("amount", leg.refund_code,
                                  f"ledger {leg.amount_minor}, Stripe {amount}"))
        elif status in ("failed", "canceled"):
            found.append(Mismatch("state", leg.refund_code, f"Stripe says {status}"))
        else:
            matched += 1
    for intent_id, by_key in by_intent.items():
        for key, r in by_key.items():
            if key not in ours and intent_id in intents:
                found.append(Mismatch("missing_in_ledger", r.id,
                                      f"refund {r.amount_minor} on {intent_id}"))
    return matched
