"""Checkout: the open sale and every way it is paid or given up, in one service.

The sale screen sends intents (pay cash, take a card, the card dialog closed, cancel) and
renders the frozen ``CheckoutState`` it gets back; the rules live here:

- **cash** (F4): with no card on the sale, ``SaleService.pay_cash`` commits the sale in
  one transaction. With a card already authorised for part of it (a split tender), the
  cash part goes to ``TenderService.pay_cash`` on the *same* sale, which completes it and
  queues the capture; the worker is asked to send it at once.
- **card** (F5): ``begin_card`` freezes the basket as an open tender sale, committed
  before any network call (``TenderService.begin``); the card dialog then runs the
  attempt through the worker. ``card_closed`` reads what happened from the ledger:
  completed → the sale is done; a card authorised but more to pay → the basket is frozen
  (``edit_lock``) until the rest is paid or the sale is cancelled; nothing taken → the
  tender record is voided (after the worker released the reader) and the basket carries
  on under a new sale id.
- **cancel** (Esc Esc): drops the basket; with a card on the sale, voids it through the
  worker, which cancels the authorisation (queued while Stripe is away).

Without card payments (``connect_cards`` not called yet, or they failed to start) only
cash is taken and nothing is ever locked.

The trading day (``attach_trading_day``): no sale starts outside an open shift
(``require_open_shift``, IT-601); a cash sale's receipt job is stored in the sale's own
transaction and the printer is woken after the commit; so is a sale completed by card, by
the cash part of a split or by recovery (``PaymentContext.on_completed``, wired once both
cards and the trading day are attached; recovery's receipts never open the drawer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.sale_views import BasketView
from ireti_till.services.selling import SaleService

if TYPE_CHECKING:
    from ireti_till.services.tendering import TenderProgress, TenderService

log = logging.getLogger("ireti_till.services.checkout")

EDIT_LOCKED = ("A card has already paid part of this sale, so its items are fixed: take the "
               "rest by card (F5) or cash (F4), or cancel the sale (Esc Esc) to release the "
               "card")


class CardQueue(Protocol):
    """The sync worker's part of checkout (``worker.sync.SyncWorker``)."""

    def void_sale(self, sale_id: UUID, reason: str) -> None: ...

    def request_drain(self) -> None: ...


class ReceiptPort(Protocol):
    """The print queue's part of checkout (``services.printing.PrintQueue``)."""

    def receipt_job(self, sale: CompletedSale, *, kick: bool = False) -> Any: ...

    def receipt(self, sale: CompletedSale, *, kick: bool = False) -> Any: ...

    def wake(self) -> None: ...


class LaterReceipts:
    """A ``ReceiptPort`` for before the print queue exists: each call waits for (or builds)
    it through ``queue()``, so a sale paid in the first moments is printed all the same."""

    def __init__(self, queue: Callable[[], ReceiptPort]) -> None:
        self._queue = queue

    def receipt_job(self, sale: CompletedSale, *, kick: bool = False) -> Any:
        return self._queue().receipt_job(sale, kick=kick)

    def receipt(self, sale: CompletedSale, *, kick: bool = False) -> Any:
        return self._queue().receipt(sale, kick=kick)

    def wake(self) -> None:
        self._queue().wake()


class Outcome(StrEnum):
    OPEN = "open"  # the basket is open (nothing paid yet)
    PAID = "paid"  # the sale was paid and committed: ``completed`` holds it
    PART_PAID = "part_paid"  # a card paid part of it just now; ``due`` remains
    CARD_HELD = "card_held"  # a card is authorised on it from before; ``due`` remains
    CARD_NOT_TAKEN = "card_not_taken"  # nothing was taken; the basket is kept
    CANCELLED = "cancelled"  # the sale was dropped (its card, if any, is being cancelled)


@dataclass(frozen=True, slots=True)
class CheckoutState:
    """Where the open sale stands after an intent (frozen; safe to hand to the screen)."""

    outcome: Outcome
    sale_id: UUID
    basket: BasketView
    due: Money  # what is still to pay
    card_on_sale: bool  # a card holds part of this sale: its lines may not change
    completed: CompletedSale | None = None
    card_voided: bool = False  # cancelling released a card authorisation


class CheckoutService:
    def __init__(self, sales: SaleService) -> None:
        self._sales = sales
        self._tender: TenderService | None = None
        self._queue: CardQueue | None = None
        self._card_sale: UUID | None = None  # a card is authorised on this open sale
        self._shift_open: Any = None  # () -> the open shift, or raises IT-601
        self._receipts: ReceiptPort | None = None

    @property
    def sales(self) -> SaleService:
        return self._sales

    def switch_sales(self, sales: SaleService) -> CheckoutState:
        """Another cashier's sale service (their parked basket) is on the screen now."""
        self._sales = sales
        return self.state()

    def connect_cards(self, tender: TenderService, queue: CardQueue) -> None:
        """Card payments are ready (the payments core and the worker have started)."""
        self._tender, self._queue = tender, queue
        self._wire_receipts()

    def attach_trading_day(self, require_open_shift: Any, receipts: ReceiptPort) -> None:
        """Shifts and printed receipts are wired (``composition.trading_day``)."""
        self._shift_open, self._receipts = require_open_shift, receipts
        self._wire_receipts()

    def _wire_receipts(self) -> None:
        """Card completions store their receipt job in the sale's own transaction."""
        tender, receipts = self._tender, self._receipts
        if tender is not None and receipts is not None:
            tender.ctx.on_completed = lambda u, sale, live: u.prints.add(receipts.receipt_job(
                sale, kick=live and any(t.kind == "cash" for t in sale.tenders)))

    def require_open_shift(self) -> None:
        """Raises ``ShiftError`` IT-601 unless a shift is open (when shifts are wired)."""
        if self._shift_open is not None:
            self._shift_open()

    # reading -----------------------------------------------------------------------
    def state(self, outcome: Outcome = Outcome.OPEN,
              completed: CompletedSale | None = None) -> CheckoutState:
        progress = self._open_progress()
        due = progress.remaining if progress is not None else self._sales.amount_due()
        if progress is not None and outcome is Outcome.OPEN:
            outcome = Outcome.CARD_HELD
        return CheckoutState(outcome, self._sales.sale_id, self._sales.view(), due,
                             progress is not None, completed)

    def edit_lock(self) -> str | None:
        """Why the basket may not change now (a card holds part of it), or None."""
        return EDIT_LOCKED if self._open_progress() is not None else None

    # cash --------------------------------------------------------------------------
    def pay_cash(self, tendered: Money) -> CheckoutState:
        """The whole sale, or the cash part of a split tender; raises ``TillError`` (the
        basket and the ledger are unchanged) when it cannot be taken."""
        progress = self._open_progress()
        if progress is None or self._tender is None:
            self.require_open_shift()
            receipts = self._receipts
            sale = self._sales.pay_cash(tendered, None if receipts is None else (
                lambda uow, sale: uow.prints.add(receipts.receipt_job(sale, kick=True))))
            if receipts is not None:
                receipts.wake()  # after the commit: the worker prints it now
            return self.state(Outcome.PAID, sale)
        after = self._tender.pay_cash(progress.sale_id, tendered)  # completes, queues capture
        if not after.completed or after.sale is None:
            raise InputError(f"{after.remaining.format()} still to pay", code="IT-376")
        if self._queue is not None:
            self._queue.request_drain()  # send the capture now
        return self._completed(after.sale)

    # card --------------------------------------------------------------------------
    def begin_card(self) -> TenderProgress:
        """Freeze the basket as an open tender sale (committed before any network call)."""
        if self._tender is None:
            raise TillError("Card payments are not ready yet: take cash (F4)", code="IT-383")
        if self._open_progress() is None:  # a new tender sale: only inside a shift
            self.require_open_shift()
        draft = self._sales.draft_sale()
        return self._tender.begin(draft)

    def card_closed(self, sale_id: UUID, approved: bool) -> CheckoutState:
        """The card dialog for ``sale_id`` closed (``approved``: it says a card was)."""
        assert self._tender is not None
        progress = self._tender.progress(sale_id)
        if progress.completed and progress.sale is not None:
            return self._completed(progress.sale)
        held = any(a.state.value in ("authorised", "captured") for a in progress.cards)
        if approved or held:
            self._card_sale = sale_id
            return self.state(Outcome.PART_PAID if approved else Outcome.CARD_HELD)
        # Nothing was taken: void the tender record (after the worker released the reader)
        # and let the basket carry on under a new sale id.
        if self._queue is not None:
            self._queue.void_sale(sale_id, "card not taken; basket kept")
        self._sales.renew_sale_id()
        return self.state(Outcome.CARD_NOT_TAKEN)

    # giving up ---------------------------------------------------------------------
    def cancel(self) -> CheckoutState:
        """Drop the open sale; a card on it is cancelled through the worker."""
        card_sale = self._card_sale if self._open_progress() is not None else None
        self._card_sale = None
        self._sales.cancel_sale()
        if card_sale is not None and self._queue is not None:
            self._queue.void_sale(card_sale, "sale cancelled at the till")
        state = self.state(Outcome.CANCELLED)
        if card_sale is None:
            return state
        return CheckoutState(state.outcome, state.sale_id, state.basket, state.due,
                             state.card_on_sale, None, card_voided=True)

    # internals ---------------------------------------------------------------------
    def _completed(self, sale: CompletedSale) -> CheckoutState:
        self._card_sale = None
        self._sales.completed_elsewhere(sale)
        if self._receipts is not None:  # its receipt job was committed with it
            self._receipts.wake()  # (``_wire_receipts``): print it now
        return self.state(Outcome.PAID, sale)

    def _open_progress(self) -> TenderProgress | None:
        """The open tender of the basket on screen, if a card is already on it."""
        sale_id, tender = self._card_sale, self._tender
        if sale_id is None or tender is None or self._sales.sale_id != sale_id:
            return None
        try:
            progress = tender.progress(sale_id)
        except TillError:
            return None
        from ireti_till.services.payment_store_port import TenderSaleState  # with cards

        if progress.state is not TenderSaleState.OPEN or not progress.remaining.minor:
            return None
        return progress
