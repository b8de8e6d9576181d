"""Refunding a sale rung on another till of the store (issue 14), at this till.

``find(code)`` asks the back office for a receipt code of another till (online only:
IT-714 when the back office cannot be reached or this till is not enrolled) and answers a
``RemoteSaleRefunds``: the refund service (``RefundService.over``, see ``refund_overlay``)
showing that sale, with what is left per line as the *server* counts it.

``RemoteSaleRefunds.refund(...)`` is the refund, in this order:

1. the quote (the matrix applies as for a local refund: approval is asked before this call);
2. a ``remote_refunds`` row is committed (the refund id, the sale as shown, the lines and
   the amount per original payment): the durable record of what is being refunded;
3. ``reserve`` on the server with that refund id (idempotent). Refused (IT-711): the row
   becomes ``refused`` and nothing is paid out. No answer: the row goes to ``release`` and
   nothing is paid out (IT-716);
4. the local refund, by the refund service itself, under the same refund id (cash from
   this drawer, card legs through the outbox by PaymentIntent);
5. ``confirm`` on the server (the row: ``confirm`` -> ``confirmed``). A failure of the local
   refund releases the reservation instead.

``settle()`` (the worker's ``refunds-remote-settle`` job) finishes what a crash or a lost
connection left: ``confirm`` and ``release`` rows are sent again until the server answers
(both are idempotent); a ``reserving`` row older than ``grace_s`` is confirmed if its local
refund was committed, released otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from uuid import UUID, uuid4

from ireti_till.domain.errors import BackofficeError, InputError, NotFoundError, TillError
from ireti_till.domain.overrides import Approval
from ireti_till.domain.refund_policy import parse_receipt_code
from ireti_till.domain.staff import StaffMember
from ireti_till.services.backoffice_refunds import CrossTillRefunds, RemoteSale
from ireti_till.services.overrides import check_refund_approval
from ireti_till.services.ports import Clock
from ireti_till.services.refund_overlay import RemoteSaleUow, tender_seq
from ireti_till.services.refund_ports import (
    RefundRecord,
    RefundUnitOfWorkFactory,
    SaleRefundView,
)
from ireti_till.services.refund_remote_ports import (
    RemoteRefundEntry,
    RemoteRefundLog,
    RemoteState,
)
from ireti_till.services.refunds import RefundRequest, RefundService

log = logging.getLogger("ireti_till.refunds")
UNREACHABLE = ("This sale was rung on another till; the back office is not reachable, "
               "refund it there or try again")


def other_till_code(code: str, this_till: str) -> tuple[str, int] | None:
    """(till, receipt number) when ``code`` is a receipt code of another till."""
    found = parse_receipt_code("".join(code.split()).upper())
    if found is None or found[0] == this_till.upper():
        return None
    return found


@dataclass(frozen=True, slots=True)
class SettleResult:
    confirmed: int = 0
    released: int = 0
    waiting: int = 0  # still unsettled (server away, or a reservation in its grace time)


class RemoteRefunds:
    def __init__(self, service: RefundService, uow: RefundUnitOfWorkFactory,
                 cross: Callable[[], CrossTillRefunds | None], store: RemoteRefundLog,
                 clock: Clock, *, grace_s: float = 300.0) -> None:
        self.service, self.uow, self._cross = service, uow, cross
        self.store, self.clock, self._grace = store, clock, timedelta(seconds=grace_s)

    def claims(self, code: str) -> bool:
        return other_till_code(code, self.service.till_id) is not None

    def api(self) -> CrossTillRefunds:
        cross = self._cross()
        if cross is None:
            raise BackofficeError(UNREACHABLE + " (this till is not enrolled with a back "
                                  "office)", code="IT-714")
        return cross

    def find(self, code: str) -> RemoteSaleRefunds:
        """On a worker thread: network."""
        found = other_till_code(code, self.service.till_id)
        if found is None:
            raise InputError("That is not a receipt code of another till", code="IT-717")
        till, number = found
        try:
            sale = self.api().find(till=till, receipt_no=number)
        except BackofficeError as exc:
            if exc.code == "IT-712":
                log.warning("cross-till refund: back office unreachable (%s)", exc.code)
                raise BackofficeError(UNREACHABLE, code="IT-714") from exc
            raise
        return RemoteSaleRefunds(self, sale)

    # ---- this till's own sales -------------------------------------------------------
    def own(self, request: RefundRequest, reason: str, requester: StaffMember,
            approval: Approval | None = None) -> RefundRecord:
        """A refund of this till's own sale, by items or by a typed amount, reserved on the
        back office first (its units and the money per payment; an amount reserves only the
        money) so another till cannot have refunded the same (IT-711). Offline-first: when
        the server cannot say (away, or the sale has not reached it yet) the refund goes
        ahead and the server counts it from the feed; the settle job confirms it later."""
        cross = self._cross()
        if cross is None or request.sale_id is None or not (request.lines or request.amount):
            return self.service.refund(request, reason, requester, approval)
        view = self.service.view(request.sale_id)
        seqs = {p.payment_ref: n for n, p in enumerate(view.payments, start=1)}
        sale = view.sale
        entry = self.record(self.service, request, requester, approval, str(sale.sale_id),
                            sale.till_id, sale.receipt_no, "{}", lambda ref: seqs.get(ref or ""))
        try:
            self.reserve(cross, entry)
        except BackofficeError as exc:
            if exc.code == "IT-711":
                raise
            log.info("refund of own sale %s not reserved (%s): goes ahead offline",
                     sale.receipt_code, exc.code)
        return self.commit_reserved(self.service, entry.refund_id, request, reason, requester,
                                    approval)

    def record(self, service: RefundService, request: RefundRequest, requester: StaffMember,
               approval: Approval | None, sale_id: str, till: str, receipt_no: int,
               sale_json: str, seq_of: Callable[[str | None], int | None],
               ) -> RemoteRefundEntry:
        """The matrix (as for a local refund: checked before anything is recorded or
        reserved), then the durable ``remote_refunds`` row: the refund id, the lines and the
        amount per original payment (``seq_of(payment_ref)``)."""
        quote = service.quote(request, requester)
        check_refund_approval(quote.decision, requester, quote.amount, quote.sale_id,
                              approval if quote.needs_approval else None)
        legs: dict[int, int] = {}
        for leg in quote.legs:
            seq = seq_of(leg.payment_ref)
            if seq is not None:
                legs[seq] = legs.get(seq, 0) + leg.amount.minor
        now = self.clock.now()
        entry = RemoteRefundEntry(
            uuid4(), sale_id, till, receipt_no, quote.amount.currency,
            quote.amount.minor, sale_json, request.lines, tuple(sorted(legs.items())),
            RemoteState.RESERVING, now, now)
        self.store.add(entry)
        return entry

    def reserve(self, cross: CrossTillRefunds, entry: RemoteRefundEntry) -> None:
        """Reserve ``entry`` on the server; a refusal (IT-711) marks it ``refused``."""
        try:
            cross.reserve(entry.refund_id, entry.sale_id, dict(entry.lines), dict(entry.legs))
        except BackofficeError as exc:
            if exc.code == "IT-711":
                self.store.move(entry.refund_id, (RemoteState.RESERVING,),
                                RemoteState.REFUSED, self.clock.now(), exc.message)
                log.info("refund %s refused by the back office (IT-711)", entry.refund_id)
            raise

    def commit_reserved(self, service: RefundService, rid: UUID, request: RefundRequest,
                        reason: str, requester: StaffMember,
                        approval: Approval | None) -> RefundRecord:
        """The local refund under the reserved id, then confirm (release on failure)."""
        try:
            record = service.refund(request, reason, requester, approval, refund_id=rid)
        except BaseException:
            self.store.move(rid, (RemoteState.RESERVING,), RemoteState.RELEASE,
                            self.clock.now())
            self.send(rid, RemoteState.RELEASE)
            raise
        self.store.move(rid, (RemoteState.RESERVING,), RemoteState.CONFIRM, self.clock.now())
        self.send(rid, RemoteState.CONFIRM)
        return record

    # ---- settling (worker job) --------------------------------------------------------
    def settle(self) -> SettleResult:
        confirmed = released = waiting = 0
        now = self.clock.now()
        for entry in self.store.unsettled():
            state = entry.state
            if state is RemoteState.RESERVING:
                if now - entry.updated_at < self._grace:
                    waiting += 1
                    continue
                state = RemoteState.CONFIRM if self._committed(entry.refund_id) \
                    else RemoteState.RELEASE
                self.store.move(entry.refund_id, (RemoteState.RESERVING,), state, now)
            if self.send(entry.refund_id, state):
                confirmed += state is RemoteState.CONFIRM
                released += state is RemoteState.RELEASE
            else:
                waiting += 1
        return SettleResult(confirmed, released, waiting)

    def _committed(self, refund_id: UUID) -> bool:
        try:
            self.service.get(refund_id)
        except NotFoundError:
            return False
        return True

    def send(self, refund_id: UUID, state: RemoteState) -> bool:
        """Confirm or release on the server; True once it acknowledged."""
        try:
            api = self.api()
            if state is RemoteState.CONFIRM:
                api.confirm(refund_id)
            else:
                api.release(refund_id)
        except TillError as exc:
            self.store.note_try(refund_id, self.clock.now(), f"{exc.code}: {exc}")
            log.info("cross-till refund %s: %s not acknowledged yet (%s)", refund_id,
                     state.value, exc.code)
            return False
        done = RemoteState.CONFIRMED if state is RemoteState.CONFIRM else RemoteState.RELEASED
        self.store.move(refund_id, (state,), done, self.clock.now())
        return True


class RemoteSaleRefunds:
    """One sale of another till, as the refund screen works with it."""

    def __init__(self, owner: RemoteRefunds, sale: RemoteSale) -> None:
        self.owner, self.remote = owner, sale
        self.uow = RemoteSaleUow(owner.uow, sale, owner.service.till_id)
        self.service = owner.service.over(self.uow)

    @property
    def origin(self) -> str:
        return self.remote.till_id

    @property
    def receipt_code(self) -> str:
        return f"{self.remote.till_id}-{self.remote.receipt_no:06d}"

    def view(self) -> SaleRefundView:
        """The service's view, with what is left per line as the back office counts it."""
        view = self.service.view(UUID(self.remote.sale_id))
        left = {ln.line_no: ln.refundable for ln in self.remote.lines}
        lines = tuple(replace(ln, refunded_qty=ln.quantity - left.get(ln.line_no, 0))
                      for ln in view.lines)
        return replace(view, lines=lines)

    def refund(self, request: RefundRequest, reason: str, requester: StaffMember,
               approval: Approval | None = None) -> RefundRecord:
        """On a worker thread: network, then the ledger."""
        if not request.lines or request.amount is not None:
            raise InputError("A sale from another till is refunded by item: choose the items "
                             "with + and -", code="IT-715")
        owner, remote = self.owner, self.remote
        entry = owner.record(self.service, request, requester, approval, remote.sale_id,
                             remote.till_id, remote.receipt_no, json.dumps(asdict(remote)),
                             lambda ref: tender_seq(remote, ref))
        rid = entry.refund_id
        try:
            owner.reserve(owner.api(), entry)
        except BackofficeError as exc:
            if exc.code == "IT-711":
                raise
            owner.store.move(rid, (RemoteState.RESERVING,), RemoteState.RELEASE,
                             owner.clock.now(), exc.message)
            log.warning("cross-till refund %s not reserved (%s): released later", rid, exc.code)
            if exc.code != "IT-712":  # the server answered: its own message says why
                raise
            raise BackofficeError("The back office did not answer while reserving this refund; "
                                  "nothing was refunded or paid out. Try again.",
                                  code="IT-716") from exc
        record = self.owner.commit_reserved(self.service, rid, request, reason, requester, approval)
        log.info("cross-till refund %s of %s committed", record.code, self.receipt_code)
        return record
