"""Shifts and cash (one unit of work per action): open, paid in/out, no sale, X, close with Z.

Rules held here, below the UI:

- one live shift per till (a partial unique index in the ledger backs this up); sales are
  refused unless it is ``open`` (``require_open_shift``, called by the checkout);
- paid in/out above ``settings.paid_limit`` needs an ``Approval`` of kind
  ``paid_above_limit``; a paid-out larger than the cash the drawer should hold is refused;
- close is blind: ``begin_close`` moves the shift to ``closing`` (no sale can start) and
  shows nothing; ``close`` takes the count and, in ONE transaction, computes the Z from the
  ledger rows, checks over/short against the tolerance (reason + ``cash_over_short``
  approval above it) and queued card work (``close_card_queued`` approval, named on the Z),
  then writes the count, the closed shift and the numbered Z;
- every change writes its audit entry in the same transaction (when an audit log is given),
  and the drawer is kicked only after the commit.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import replace

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind
from ireti_till.domain.shift import (
    ApprovalNeeded,
    CashCount,
    CashMovement,
    MovementKind,
    Shift,
    ShiftError,
    ShiftSettings,
    ShiftState,
    check_transition,
)
from ireti_till.domain.zreport import ZReport
from ireti_till.services.ports import Clock
from ireti_till.services.shift_ports import (
    AuditAppender,
    DrawerPort,
    ShiftUnitOfWork,
    ShiftUowFactory,
)

log = logging.getLogger(__name__)


def clean_text(text: str, *, required: bool = True) -> str:
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", text or "")
                      if unicodedata.category(ch)[0] != "C").strip()
    if required and len(cleaned) < 3:
        raise InputError("Give a reason (a few words)", code="IT-608")
    return cleaned[:200]


def _check_approval(approval: Approval | None, kind: OverrideKind, message: str,
                    code: str, amount: Money | None = None) -> str:
    if approval is None or approval.kind != kind or (
            amount is not None and (approval.amount is None or approval.amount < amount)):
        log.info("approval needed: %s", kind.value)
        raise ApprovalNeeded(message, code=code)
    return approval.approver_id


class ShiftService:
    def __init__(self, uow: ShiftUowFactory, clock: Clock, till_id: str,
                 settings: ShiftSettings, *, audit: AuditAppender | None = None,
                 drawer: DrawerPort | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.till_id = till_id
        self.settings = settings
        self._audit = audit
        self.drawer = drawer

    # reading -----------------------------------------------------------------------------
    def current(self) -> Shift | None:
        with self._uow() as u:
            return u.shifts.live(self.till_id)

    def current_shift_id(self) -> str | None:
        """The open shift's id (what a sale is stamped with), or None."""
        shift = self.current()
        return shift.shift_id if shift is not None and shift.state is ShiftState.OPEN else None

    def require_open_shift(self) -> Shift:
        """The open shift, or ``ShiftError`` IT-601: the checkout calls this before a sale."""
        shift = self.current()
        if shift is None or shift.state is not ShiftState.OPEN:
            state = "is being closed" if shift is not None else "is not open"
            raise ShiftError(f"The shift {state}: open a shift (Shift > Open shift, "
                             "Ctrl+Shift+O) before selling.", code="IT-601")
        return shift

    def x_report(self) -> ZReport:
        with self._uow() as u:
            shift = self._live(u)
            return u.shifts.totals(shift, self._clock.now())

    def previous_float(self) -> CashCount | None:
        """The last closed shift's closing count, offered as this shift's float."""
        with self._uow() as u:
            last = u.shifts.last_closed(self.till_id)
            if last is None:
                return None
            return u.shifts.count(last.shift_id, "close", last.currency)

    # opening -----------------------------------------------------------------------------
    def open(self, actor: str, count: CashCount | None = None, *,
             carry_over: bool = False) -> Shift:
        """Open with a counted float, or (``carry_over``) the previous close's count."""
        now = self._clock.now()
        with self._uow() as u:
            if u.shifts.live(self.till_id) is not None:
                raise ShiftError("A shift is already open on this till: close it first",
                                 code="IT-602")
            if carry_over:
                last = u.shifts.last_closed(self.till_id)
                if last is None:
                    raise ShiftError("There is no previous shift to take the float from: "
                                     "count the float", code="IT-611")
                count = u.shifts.count(last.shift_id, "close", last.currency)
            if count is None:
                raise InputError("Count the float (0 is allowed)", code="IT-604")
            self._same_currency(count)
            shift = Shift(str(uuid.uuid4()), self.till_id, ShiftState.OPENING,
                          self.settings.currency, actor, now, count.total)
            u.shifts.add(shift)
            u.shifts.add_count(shift.shift_id, "open", count)
            u.shifts.add_movement(CashMovement(
                str(uuid.uuid4()), shift.shift_id, MovementKind.FLOAT, count.total,
                "carried over" if carry_over else "opening float", actor, None, now))
            check_transition(ShiftState.OPENING, ShiftState.OPEN)
            self._cas(u, shift.shift_id, ShiftState.OPENING, ShiftState.OPEN)
            self._record(u, "shift_open", actor, {"shift": shift.shift_id,
                                                  "float_minor": count.total.minor})
            u.commit()
        log.info("shift %s opened by %s, float %s", shift.shift_id, actor, count.total)
        return u_shift(shift, ShiftState.OPEN)

    def ensure_training_shift(self, actor: str) -> Shift:
        """Training mode: a shift is opened for the cashier (zero float) when none is."""
        shift = self.current()
        if shift is not None:
            return shift
        return self.open(actor, CashCount(self.settings.currency, ()))

    # cash in the shift -------------------------------------------------------------------
    def paid_in(self, actor: str, amount: Money, reason: str,
                approval: Approval | None = None) -> CashMovement:
        return self._paid(MovementKind.PAID_IN, actor, amount, reason, approval)

    def paid_out(self, actor: str, amount: Money, reason: str,
                 approval: Approval | None = None) -> CashMovement:
        return self._paid(MovementKind.PAID_OUT, actor, amount, reason, approval)

    def no_sale(self, actor: str, reason: str = "no sale",
                approval: Approval | None = None) -> CashMovement:
        mv = self._movement(MovementKind.NO_SALE, actor, Money.zero(self.settings.currency),
                            clean_text(reason, required=False) or "no sale",
                            approval.approver_id if approval else None)
        return mv

    def _paid(self, kind: MovementKind, actor: str, amount: Money, reason: str,
              approval: Approval | None) -> CashMovement:
        self._same_currency_money(amount)
        if amount.minor <= 0:
            raise InputError("The amount must be more than zero", code="IT-608")
        text = clean_text(reason)
        approver = None
        if amount > self.settings.paid_limit:
            approver = _check_approval(
                approval, OverrideKind.PAID_ABOVE_LIMIT,
                f"{kind.value.replace('_', ' ').capitalize()} of {amount} is above "
                f"{self.settings.paid_limit}: a supervisor must approve it", "IT-607", amount)
        return self._movement(kind, actor, amount, text, approver)

    def _movement(self, kind: MovementKind, actor: str, amount: Money, reason: str,
                  approver: str | None) -> CashMovement:
        now = self._clock.now()
        with self._uow() as u:
            shift = self._live(u, need_open=True)
            if kind is MovementKind.PAID_OUT:
                in_drawer = Money(u.shifts.totals(shift, now).expected_cash, shift.currency)
                if amount > in_drawer:
                    raise ShiftError(f"Paid out {amount} is more than the drawer should hold "
                                     f"({in_drawer}): nothing was recorded", code="IT-606")
            mv = CashMovement(str(uuid.uuid4()), shift.shift_id, kind, amount, reason, actor,
                              approver, now)
            u.shifts.add_movement(mv)
            self._record(u, kind.value, actor, {"shift": shift.shift_id,
                                                "amount_minor": amount.minor,
                                                "reason": reason, "approver": approver})
            u.commit()
        if self.drawer is not None:
            self.drawer.kick(kind.value)
        return mv

    # closing -----------------------------------------------------------------------------
    def begin_close(self, actor: str) -> Shift:
        """Stop selling and ask for the blind count (the expected amount is not shown)."""
        with self._uow() as u:
            shift = self._live(u)
            if shift.state is ShiftState.OPEN:
                self._cas(u, shift.shift_id, ShiftState.OPEN, ShiftState.CLOSING)
                self._record(u, "shift_closing", actor, {"shift": shift.shift_id})
                u.commit()
        return u_shift(shift, ShiftState.CLOSING)

    def cancel_close(self, actor: str) -> Shift:
        with self._uow() as u:
            shift = self._live(u)
            self._cas(u, shift.shift_id, ShiftState.CLOSING, ShiftState.OPEN)
            self._record(u, "shift_reopened", actor, {"shift": shift.shift_id})
            u.commit()
        return u_shift(shift, ShiftState.OPEN)

    def close(self, actor: str, count: CashCount, *, reason: str = "",
              approval: Approval | None = None,
              card_queued_approval: Approval | None = None,
              reconciliation: tuple[str, ...] = ()) -> ZReport:
        """Close with the blind ``count``; returns the numbered, stored Z report.

        ``reconciliation``: the summary lines of ``reconcile_day.reconcile`` for this shift
        (``Reconciliation.lines()``), when Stripe could be asked before closing."""
        self._same_currency(count)
        now = self._clock.now()
        with self._uow() as u:
            shift = self._live(u)
            if shift.state is ShiftState.OPEN:
                self._cas(u, shift.shift_id, ShiftState.OPEN, ShiftState.CLOSING)
            if u.shifts.open_sales(self.till_id):
                raise ShiftError("A sale is still being paid on this till: finish or void it, "
                                 "then close the shift", code="IT-612")
            x = u.shifts.totals(shift, now)
            accepted = None
            if x.card_queued:
                accepted = _check_approval(
                    card_queued_approval, OverrideKind.CLOSE_CARD_QUEUED,
                    f"{x.card_queued} card operation(s) of this shift are still queued: "
                    "send them first, or a supervisor must accept closing now", "IT-610")
            diff = count.total.minor - x.expected_cash
            approver, text = None, clean_text(reason, required=False)
            if abs(diff) > self.settings.tolerance.minor:
                if len(text) < 3:
                    raise InputError(f"The count is off by more than "
                                     f"{self.settings.tolerance}: give a reason", code="IT-609")
                approver = _check_approval(
                    approval, OverrideKind.CASH_OVER_SHORT,
                    "The count is off by more than the tolerance: a supervisor must approve "
                    "the close", "IT-609")
            u.shifts.add_count(shift.shift_id, "close", count)
            self._cas(u, shift.shift_id, ShiftState.CLOSING, ShiftState.CLOSED,
                      closed_by=actor, closed_at=now, counted_minor=count.total.minor,
                      expected_minor=x.expected_cash, reason=text or None,
                      approver_id=approver, queued_card_accepted_by=accepted)
            z_no = u.shifts.next_z_no(shift.till_id)
            closed = u.shifts.get(shift.shift_id)
            assert closed is not None
            z = u.shifts.totals(closed, now)
            z = replace(z, z_no=z_no, reconciliation=reconciliation)
            u.shifts.add_z(str(uuid.uuid4()), z, now)
            self._record(u, "shift_close", actor, {
                "shift": shift.shift_id, "z_no": z_no, "counted_minor": count.total.minor,
                "expected_minor": x.expected_cash, "approver": approver,
                "card_queued": x.card_queued, "card_queued_accepted_by": accepted})
            u.commit()
        log.info("shift %s closed by %s: Z %d, %s", shift.shift_id, actor, z_no,
                 "balanced" if diff == 0 else f"over/short {diff}")
        return z

    # helpers -----------------------------------------------------------------------------
    def _live(self, u: ShiftUnitOfWork, need_open: bool = False) -> Shift:
        shift = u.shifts.live(self.till_id)
        if shift is None or (need_open and shift.state is not ShiftState.OPEN):
            raise ShiftError("No shift is open on this till: open a shift first",
                             code="IT-601")
        return shift

    @staticmethod
    def _cas(u: ShiftUnitOfWork, shift_id: str, old: ShiftState, new: ShiftState,
             **fields: object) -> None:
        check_transition(old, new)
        if not u.shifts.move(shift_id, old, new, **fields):
            raise ShiftError("The shift changed on another screen: reload and try again",
                             code="IT-603")

    def _record(self, u: ShiftUnitOfWork, kind: str, actor: str,
                details: dict[str, object]) -> None:
        if self._audit is not None:
            self._audit.append(u.audit, kind, actor, details)  # type: ignore[attr-defined]

    def _same_currency(self, count: CashCount) -> None:
        if count.currency != self.settings.currency:
            raise InputError(f"This till counts in {self.settings.currency}, not "
                             f"{count.currency}", code="IT-605")

    def _same_currency_money(self, amount: Money) -> None:
        if amount.currency != self.settings.currency:
            raise InputError(f"This till takes {self.settings.currency}, not "
                             f"{amount.currency}", code="IT-605")


def u_shift(shift: Shift, state: ShiftState) -> Shift:
    return replace(shift, state=state)
