"""Refunds (F8): find the sale, quote, approve, commit refund + outbox + audit as one.

``find(code)`` takes the receipt code printed under the barcode (``T01-000042``, typed or
scanned) or a sale id and returns a frozen ``SaleRefundView``: lines, payments (cash, each
card with brand and last4, what it paid, refunded so far, still pending) and the refunds
already made. ``quote(request, requester)`` works out the amount (from lines and quantities
or typed), the legs (``allocate_refund``: each payment refunded to itself, split in
proportion) and the matrix decision. ``refund(request, reason, requester, approval)`` redoes
every check inside one ``BEGIN IMMEDIATE`` transaction (nothing decided on the screen is
trusted) and commits the refund, its legs and lines, one outbox row per card leg
(``refund_op`` -> ``<refund-id>:refund``, or a cancel for an uncaptured authorisation) and
the audit entry together. Cash legs are paid from the drawer: the leg is the cash-out record.

What counts as "refunded so far" for a payment is every leg ever committed against it,
except failed ones: pending legs (queued offline) reserve their amount (so "never more than
a payment has left" holds while refunds are on their way); a leg Stripe failed, at once or
later (events sweep), does not count, so the customer can be paid another way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import copy
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from uuid import UUID, uuid4

from ireti_till.domain.errors import AuthorisationError, InputError, NotFoundError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation
from ireti_till.domain.overrides import Approval, OverrideRequest, clean_reason
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.refund_policy import (
    LegAction,
    PaymentPosition,
    PaymentStatus,
    RefundContext,
    RefundDecision,
    RefundMatrix,
    RefundRefused,
    SaleRefundState,
    allocate_refund,
    check_refundable,
    is_refund_code,
    line_refund_amount,
    parse_receipt_code,
    receiptless_legs,
    shop_midnight,
)
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.audit import AuditLog
from ireti_till.services.outbox_refunds import refund_op
from ireti_till.services.overrides import OverrideService, check_refund_approval
from ireti_till.services.ports import Clock
from ireti_till.services.refund_ports import (
    LegState,
    LineView,
    PaymentView,
    RefundLegRecord,
    RefundLineRecord,
    RefundQuote,
    RefundRecord,
    RefundUnitOfWork,
    RefundUnitOfWorkFactory,
    SaleRefundView,
)
from ireti_till.services.refund_states import card_status, with_states
from ireti_till.services.tendering import cancel_op

STRIPE_REASON = "requested_by_customer"  # the free-text reason stays in the ledger


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """What the cashier asked for: chosen lines (line_no -> quantity) or an amount."""

    sale_id: UUID | None  # None: without a receipt (store policy: cash, supervisor)
    amount: Money | None = None
    lines: tuple[tuple[int, int], ...] = ()

    @classmethod
    def for_lines(cls, sale_id: UUID, lines: Mapping[int, int]) -> RefundRequest:
        return cls(sale_id, None, tuple(sorted((n, q) for n, q in lines.items() if q)))


class RefundService:
    def __init__(self, uow: RefundUnitOfWorkFactory, audit: AuditLog, clock: Clock,
                 till_id: str, matrix: RefundMatrix, overrides: OverrideService | None = None,
                 *, on_committed: Callable[[RefundRecord], None] | None = None,
                 tz: tzinfo | None = None) -> None:
        self._uow = uow
        self._tz = tz  # the shop's time zone (config); None: this computer's local zone
        self._audit = audit
        self._clock = clock
        self.till_id = till_id
        self.matrix = matrix
        self.overrides = overrides
        self._on_committed = on_committed

    # ---- finding the sale -------------------------------------------------------------
    def find(self, code: str) -> SaleRefundView:
        text = "".join(code.split()).upper()
        with self._uow() as u:
            sale = self._locate(u, text)
            return self._view(u, sale)

    def view(self, sale_id: UUID) -> SaleRefundView:
        with self._uow() as u:
            sale = u.sales.get(sale_id)
            if sale is None:
                raise NotFoundError("That sale is not in this till's ledger", code="IT-449")
            return self._view(u, sale)

    def _locate(self, u: RefundUnitOfWork, text: str) -> CompletedSale:
        if not text:
            raise InputError("Scan the receipt barcode or type its number", code="IT-449")
        try:
            as_id = UUID(text)
        except ValueError:
            as_id = None
        if as_id is not None:
            if u.refunds.get(as_id) is not None:
                raise RefundRefused("That is a refund; a refund cannot be refunded again",
                                    code="IT-442")
            sale = u.sales.get(as_id)
            if sale is None:
                raise NotFoundError("No sale with that id on this till", code="IT-449")
            return sale
        if is_refund_code(text):
            raise RefundRefused("That is a refund receipt; a refund cannot be refunded again",
                                code="IT-442")
        found = parse_receipt_code(text)
        if found is None:
            raise InputError(f"{text[:24]!r} is not a receipt number (like "
                             f"{self.till_id}-000042)", code="IT-449")
        till, number = found
        if till != self.till_id.upper():
            raise RefundRefused(f"This sale was rung on till {till}; refund it there",
                                code="IT-443")
        sale = u.sales.by_receipt(self.till_id, number)
        if sale is None:
            raise NotFoundError(f"No sale {text} on this till", code="IT-449")
        return sale

    # ---- state of a sale --------------------------------------------------------------
    def _records(self, u: RefundUnitOfWork, sale_id: UUID) -> list[RefundRecord]:
        return [with_states(u, r) for r in u.refunds.for_sale(sale_id)]

    def _view(self, u: RefundUnitOfWork, sale: CompletedSale) -> SaleRefundView:
        records = self._records(u, sale.sale_id)
        cur = sale.currency
        refunded: dict[str, int] = {}
        pending: dict[str, int] = {}
        for r in records:
            for leg in r.legs:
                key = leg.payment_ref or ""
                failed = leg.state is LegState.FAILED  # Stripe failed it: not refunded
                refunded[key] = refunded.get(key, 0) + (0 if failed else leg.amount.minor)
                if leg.state is LegState.PENDING:
                    pending[key] = pending.get(key, 0) + leg.amount.minor
        attempts = {a.intent_id: a for a in u.payments.attempts_for_sale(sale.sale_id)
                    if a.intent_id}
        payments = []
        for seq, t in enumerate(sale.tenders, start=1):
            if t.kind == "cash":
                ref = f"cash:{seq}"
                payments.append(PaymentView(
                    ref, "cash", "Cash", t.amount, Money(refunded.get(ref, 0), cur),
                    Money(pending.get(ref, 0), cur), PaymentStatus.SETTLED))
                continue
            a = attempts.get(t.reference or "")
            ref = str(a.attempt_id) if a else f"card:{seq}"
            status, done = card_status(u, a)
            paid = refunded.get(ref, 0)
            if done:  # cancelled outside a refund: nothing is left on it
                paid = max(paid, t.amount.minor)
            label = f"{(t.card_brand or 'card').title()} ****{t.card_last4 or '????'}"
            payments.append(PaymentView(
                ref, "card", label, t.amount, Money(paid, cur), Money(pending.get(ref, 0), cur),
                status, t.reference, a.attempt_id if a else None, t.card_brand, t.card_last4))
        qty: dict[int, int] = {}
        line_money: dict[int, int] = {}
        for r in records:
            for ln in r.lines:
                qty[ln.line_no] = qty.get(ln.line_no, 0) + ln.quantity
                line_money[ln.line_no] = line_money.get(ln.line_no, 0) + ln.amount.minor
        lines = tuple(LineView(ln.line_no, ln.name, 0 if ln.voided else ln.quantity, ln.total,
                               qty.get(ln.line_no, 0), Money(line_money.get(ln.line_no, 0), cur))
                      for ln in sale.lines)
        return SaleRefundView(sale, lines, tuple(payments), tuple(records))

    # ---- quoting ----------------------------------------------------------------------
    def quote(self, request: RefundRequest, requester: StaffMember) -> RefundQuote:
        with self._uow() as u:
            return self._quote(u, request, requester)

    def _quote(self, u: RefundUnitOfWork, request: RefundRequest,
               requester: StaffMember) -> RefundQuote:
        now = self._clock.now()
        cur = self.matrix.currency
        day_start = shop_midnight(now, self._tz)
        today = Money(u.refunds.total_by(requester.user_id, day_start), cur)
        if request.sale_id is None:
            amount = self._typed(request, cur)
            decision = self._receiptless(self.matrix.decide(RefundContext(
                amount, requester, receipt=False, refunded_today=today)))
            legs = tuple(RefundLegRecord(i, leg.payment_ref, leg.action, leg.amount)
                         for i, leg in enumerate(receiptless_legs(amount), start=1))
            return RefundQuote(None, amount, (), legs, decision, requester.user_id,
                               decision.needs_approval(requester))
        sale = u.sales.get(request.sale_id)
        if sale is None:
            raise NotFoundError("That sale is not in this till's ledger", code="IT-449")
        view = self._view(u, sale)
        lines = self._lines(view, request)
        amount = (sum((ln.amount for ln in lines), Money.zero(sale.currency)) if lines
                  else self._typed(request, sale.currency))
        state = SaleRefundState(str(sale.sale_id), sale.till_id, sale.currency, tuple(
            PaymentPosition(p.payment_ref, p.kind, p.amount, p.refunded, p.status)
            for p in view.payments))
        check_refundable(state, amount, self.till_id)
        decision = self.matrix.decide(RefundContext(
            amount, requester, receipt=True, sale_age=now - sale.completed_at,
            refunded_today=today, other_till=sale.till_id != self.till_id))
        by_ref = {p.payment_ref: p for p in view.payments}
        card_legs: list[RefundLegRecord] = []
        for i, leg in enumerate(allocate_refund(state, amount, self.till_id), start=1):
            p = by_ref[leg.payment_ref or ""]
            if decision.cash_only and p.kind == "card":
                raise RefundRefused("Store policy pays this refund in cash only, and card "
                                    "money never goes back as cash", code="IT-446")
            card_legs.append(RefundLegRecord(i, leg.payment_ref, leg.action, leg.amount,
                                             p.intent_id, p.card_brand, p.card_last4))
        return RefundQuote(sale.sale_id, amount, lines, tuple(card_legs), decision,
                           requester.user_id, decision.needs_approval(requester))

    @staticmethod
    def _typed(request: RefundRequest, currency: str) -> Money:
        if request.amount is None:
            raise RefundRefused("Choose items or type an amount to refund", code="IT-441")
        if request.amount.currency != currency:
            raise InputError(f"This refund must be in {currency}", code="IT-447")
        if request.amount.minor <= 0:
            raise RefundRefused("A refund must be more than zero", code="IT-441")
        return request.amount

    @staticmethod
    def _lines(view: SaleRefundView, request: RefundRequest) -> tuple[RefundLineRecord, ...]:
        if not request.lines:
            return ()
        if request.amount is not None:
            raise InputError("Choose items or type an amount, not both", code="IT-441")
        by_no = {ln.line_no: ln for ln in view.lines}
        out = []
        for line_no, quantity in request.lines:
            ln = by_no.get(line_no)
            if ln is None or ln.quantity == 0:
                raise InputError(f"Line {line_no} is not on this sale", code="IT-444")
            if quantity <= 0:
                raise RefundRefused("Choose at least one item to refund", code="IT-441")
            amount = line_refund_amount(ln.total, ln.quantity, ln.refunded_qty, quantity)
            out.append(RefundLineRecord(line_no, quantity, amount))
        return tuple(out)

    @staticmethod
    def _receiptless(decision: RefundDecision) -> RefundDecision:
        """Store policy, whatever the configured matrix: cash only, another supervisor."""
        role = decision.approver_role
        if role is None or not role.at_least(Role.SUPERVISOR):
            role = Role.SUPERVISOR
        return replace(decision, approver_role=role, second_person=True, cash_only=True)

    # ---- approval ---------------------------------------------------------------------
    def approval_request(self, quote: RefundQuote, requester: StaffMember,
                         reason: str) -> OverrideRequest:
        if self.overrides is None:
            raise RefundRefused("Refund approvals are not available on this till",
                                code="IT-440")
        return self.overrides.request_refund(requester, quote.decision, _reason(reason),
                                             quote.amount, quote.sale_id)

    # ---- committing -------------------------------------------------------------------
    def refund(self, request: RefundRequest, reason: str, requester: StaffMember,
               approval: Approval | None = None, *, refund_id: UUID | None = None,
               ) -> RefundRecord:
        """``refund_id``: chosen by the caller when it was recorded before (a cross-till
        refund reserves it on the back office first)."""
        text = _reason(reason)
        cover = self._approver_role(request, requester, text, approval)
        now = self._clock.now()
        with self._uow() as u:
            quote = self._quote(u, request, requester)  # re-checked under the write lock
            check_refund_approval(quote.decision, requester, quote.amount, quote.sale_id,
                                  approval if quote.needs_approval else None)
            wanted = quote.decision.approver_role
            if quote.needs_approval and (cover is None or wanted is None
                                         or not cover.at_least(wanted)):
                raise AuthorisationError("The refund now needs a higher approval than the one "
                                         "given (the matrix changed): ask again", code="IT-436")
            used = approval if quote.needs_approval else None
            if used is not None and u.refunds.override_used(used.override_id):
                raise AuthorisationError("That approval was already used for another refund",
                                         code="IT-436")
            refund_id = refund_id or uuid4()
            written: list[RefundLegRecord] = []
            for leg in quote.legs:
                leg = replace(leg, leg_id=refund_id if leg.seq == 1 else uuid4())
                op = self._leg_op(u, leg, now)
                if op is not None:
                    u.payments.enqueue(op)
                written.append(replace(leg, op_id=None if op is None else op.op_id))
            record = RefundRecord(
                refund_id, self.till_id, u.refunds.next_no(self.till_id), quote.sale_id,
                quote.amount, text, requester.user_id,
                None if used is None else used.approver_id,
                None if used is None else used.override_id, quote.sale_id is not None,
                quote.decision.rules, now, tuple(written), quote.lines)
            u.refunds.add(record)
            self._audit.append(u.audit, "refund", requester.user_id, _details(record))
            record = with_states(u, record)
            u.commit()
        if self._on_committed is not None:
            self._on_committed(record)
        return record

    def _approver_role(self, request: RefundRequest, requester: StaffMember, reason: str,
                       approval: Approval | None) -> Role | None:
        """The highest role ``approval`` is known to cover (checked before the write lock:
        the staff list is read in its own transaction). None without an approval."""
        if approval is None or self.overrides is None:
            return None
        quote = self.quote(request, requester)
        role = quote.decision.approver_role or Role.SUPERVISOR
        asked = self.overrides.request_refund(requester, quote.decision, reason, quote.amount,
                                              quote.sale_id)
        if approval.approver_id not in {m.user_id for m in self.overrides.approvers(asked)}:
            raise AuthorisationError("The person who approved may not approve this refund",
                                     code="IT-436")
        return role

    @staticmethod
    def _leg_op(u: RefundUnitOfWork, leg: RefundLegRecord, now: datetime) -> Operation | None:
        if leg.action is LegAction.CASH_OUT:
            return None
        attempt = u.payments.get_attempt(UUID(leg.payment_ref or ""))
        if attempt is None:
            raise RefundRefused("The card payment's record is missing", code="IT-440")
        if leg.action is LegAction.CARD_CANCEL:
            u.payments.transition(attempt.attempt_id, attempt.state, AttemptState.CANCELLED,
                                  now=now, reason=f"refund {leg.leg_id}")
            return cancel_op(attempt, now, STRIPE_REASON)
        assert leg.leg_id is not None
        return refund_op(leg.leg_id, attempt, leg.amount, STRIPE_REASON, now)

    def over(self, uow: RefundUnitOfWorkFactory) -> RefundService:
        """The same service on another unit of work (a sale of another till: refund_remote)."""
        twin = copy(self)
        twin._uow = uow
        return twin

    # ---- following --------------------------------------------------------------------
    def get(self, refund_id: UUID) -> RefundRecord:
        with self._uow() as u:
            record = u.refunds.get(refund_id)
            if record is None:
                raise NotFoundError("No such refund on this till", code="IT-449")
            return with_states(u, record)


def _reason(text: str) -> str:
    try:
        return clean_reason(text)
    except InputError as exc:
        raise InputError(exc.message.replace("the override", "the refund"),
                         code="IT-450") from exc


def _details(r: RefundRecord) -> dict[str, str | int | None]:
    return {
        "refund_id": str(r.refund_id), "refund_code": r.code,
        "sale_id": None if r.sale_id is None else str(r.sale_id),
        "amount_minor": r.amount.minor, "currency": r.amount.currency, "reason": r.reason,
        "approver_id": r.approver_id,
        "override_id": None if r.override_id is None else str(r.override_id),
        "receipt": int(r.receipt), "rules": "; ".join(r.rules),
        "legs": "; ".join(f"{leg.action.value}:{leg.payment_ref or '-'}:{leg.amount.minor}"
                          for leg in r.legs),
        "cash_out_minor": sum(leg.amount.minor for leg in r.legs
                              if leg.action is LegAction.CASH_OUT),
    }
