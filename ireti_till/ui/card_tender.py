"""Card payments on the sale screen: F5, the status bar, the queue panel, the reader screen.

The composition root starts the payments core and the sync worker on a helper thread and
hands them over through ``ready`` (a signal, so the hand-over lands on the GUI thread):

    cards = CardTenderUi(window, signals, training=True)
    start_payments(..., on_ready=cards.ready.emit, on_failed=cards.failed.emit)

Until then, and whenever Stripe or the reader is unreachable, the Card key is off with the
reason on it (cash keeps working). F5 freezes the basket as an open tender sale (committed
before any network call), opens the card dialog for what remains, and on approval shows
the receipt and starts the next sale. A card dialog closed without approval voids that
tender record through the worker (after the reader is released) and gives the basket a
fresh sale id, so the basket can still change and be paid another way.

Split tender: while a card is authorised on the open sale, F4 takes the cash part through
the payments core (``core.tender.pay_cash``), which completes the sale and queues the
captures; cancelling that sale (Esc Esc) voids it through the worker, which cancels the
authorisation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.tender import quick_cash
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.connectivity import Connectivity as CardConnectivity
from ireti_till.services.payment_store_port import TenderSaleState
from ireti_till.services.payments_core import SIMULATE_OUTCOMES, PaymentsCore, QueueSummary
from ireti_till.services.tendering import TenderProgress
from ireti_till.ui.bridge import Connectivity, QueueStatus, ReaderStatus, StripeStatus
from ireti_till.ui.dialogs.cash_tender import CashTenderDialog
from ireti_till.ui.main_window import MainWindow
from ireti_till.ui.payments import CardTenderDialog, QueuePanel, ReaderAdminDialog
from ireti_till.ui.payments.reader_mirror import ReaderMirror
from ireti_till.worker.signals import PaymentSignals
from ireti_till.worker.sync import SyncWorker

log = logging.getLogger("ireti_till.ui")
STARTING = "Card payments are starting…"


class _QueueActions:
    """The queue panel's actions, recorded under the person signed in."""

    def __init__(self, worker: SyncWorker, who: Callable[[], str]) -> None:
        self._worker = worker
        self._who = who

    def retry_now(self, op_id: UUID) -> None:
        self._worker.retry_now(op_id)

    def resolve(self, op_id: UUID, reason: str) -> None:
        self._worker.resolve(op_id, reason, self._who())


class CardTenderUi(QObject):
    ready = Signal(object, object)  # (PaymentsCore, SyncWorker), from the starting thread
    failed = Signal(str)

    def __init__(self, window: MainWindow, signals: PaymentSignals, *, training: bool,
                 who: Callable[[], str] = lambda: "supervisor") -> None:
        super().__init__(window)
        self.window = window
        self.signals = signals
        self.training = training
        self.who = who
        self.core: PaymentsCore | None = None
        self.worker: SyncWorker | None = None
        self.queue_panel: QueuePanel | None = None
        self.card_reason = STARTING
        self._link: tuple[bool, str] = (False, STARTING)  # Stripe and reader, and why not
        self.last_sale_id: UUID | None = None
        self.unsent = 0  # payment operations waiting in the outbox (last queue summary)
        self.ready.connect(self._on_ready)
        self.failed.connect(self._on_failed)
        signals.connectivity.connect(self._on_connectivity)
        signals.queue.connect(self._on_queue)
        signals.failed.connect(lambda _what, message: window.messages.warn(message))
        window.controller.card_handler = self.card
        window.controller.cash_handler = self.cash_part
        window.controller.edit_lock = self.edit_lock
        window.controller.dialog_closed.connect(self._dialog_closed)
        #: the sale with a card authorised on it and more to pay (None: no such sale)
        self.open_tender: UUID | None = None
        self.mirror: ReaderMirror | None = None  # the basket on the reader, once ready
        window.controller.basket_changed.connect(self._basket_changed)
        self._set_card(False, STARTING)
        self._build_menus()

    # status ---------------------------------------------------------------------------
    def _set_card(self, enabled: bool, reason: str) -> None:
        self._link = (enabled, reason)
        self._refresh()

    @property
    def online(self) -> bool:
        """Stripe and the reader answered the last check."""
        return self._link[0]

    def _refresh(self) -> None:
        """Card key: on when Stripe and the reader answer and there is something to pay."""
        online, reason = self._link
        self.card_reason = "" if online else reason
        empty = self.window.controller.service.view().is_empty
        enabled = online and not empty
        self.window.pad.set_available("card", enabled,
                                      reason if not online else "Scan an item first")

    def _basket_changed(self, basket: object) -> None:
        self._refresh()
        if self.mirror is not None:
            self.mirror.on_basket(basket)  # type: ignore[arg-type]

    def _on_ready(self, core: PaymentsCore, worker: SyncWorker) -> None:
        self.core, self.worker = core, worker
        self.mirror = ReaderMirror(core.readers, worker.display, lambda: self.online, self)
        self.queue_action.setEnabled(True)
        self.reader_action.setEnabled(True)
        self._set_card(False, "Checking Stripe and the card reader…")
        log.info("card payments ready (%s)", "training emulator" if self.training else "Stripe")

    def _on_failed(self, message: str) -> None:
        self._set_card(False, message)
        self.window.messages.warn(message)

    def _on_connectivity(self, c: CardConnectivity) -> None:
        bridge = self.window.bridge
        if c.stripe_online:
            state = Connectivity.TRAINING if self.training else Connectivity.ONLINE
            bridge.publish_stripe(StripeStatus(state, "Stripe answers", c.checked_at))
        else:
            bridge.publish_stripe(StripeStatus(Connectivity.OFFLINE, c.reason or "",
                                               c.checked_at))
        if c.reader_id is None:
            bridge.publish_reader(ReaderStatus("", "not set up", c.reason or ""))
        else:
            bridge.publish_reader(ReaderStatus(c.reader_label or c.reader_id,
                                               "online" if c.reader_online else "offline",
                                               "" if c.reader_online else c.reason or ""))
        reason = c.reason or "Card payments are unavailable"
        if c.code:
            reason = f"{reason} ({c.code})"
        self._set_card(c.card_enabled, f"{reason}: take cash (F4)")

    def _on_queue(self, q: QueueSummary) -> None:
        self.unsent = q.count
        self.window.bridge.publish_queue(QueueStatus(q.count, q.oldest_age_s, q.failing))

    # F5 ---------------------------------------------------------------------------------
    def card(self) -> None:
        c = self.window.controller
        core, worker = self.core, self.worker
        if core is None or worker is None:
            c._unavailable(self.card_reason or STARTING)
            return
        if c.service.view().is_empty:
            c._refuse(InputError("The sale is empty: scan an item first", code="IT-151"))
            return
        try:
            draft = c.service.draft_sale()
            progress = core.tender.begin(draft)  # committed before any network call
        except TillError as exc:
            c._refuse(exc)
            return
        sale_id = draft.sale_id
        self.last_sale_id = sale_id
        if self.mirror is not None:
            self.mirror.pause()  # process_payment_intent takes the reader's screen over
        dialog = CardTenderDialog(sale_id, progress.remaining, worker, self.signals,
                                  simulate=SIMULATE_OUTCOMES if core.training else (),
                                  parent=self.window)
        c.open_dialog(dialog, lambda: self._closed(sale_id, dialog.status),
                      lambda: self._closed(sale_id, dialog.status))

    def _closed(self, sale_id: UUID, status: CardStatus | None) -> None:
        try:
            self._after_card(sale_id, status)
        finally:
            if self.mirror is not None:
                self.mirror.resume(self.window.controller.service.view())

    def _after_card(self, sale_id: UUID, status: CardStatus | None) -> None:
        core, worker, c = self.core, self.worker, self.window.controller
        assert core is not None and worker is not None
        try:
            progress = core.tender.progress(sale_id)
        except TillError as exc:
            c._refuse(exc)
            return
        if progress.completed and progress.sale is not None:
            self.open_tender = None
            c.service.completed_elsewhere(progress.sale)
            c._paid(progress.sale)
            return
        if status is not None and status.phase == "approved":
            self.open_tender = sale_id
            c.p.messages.info(f"Card approved; {progress.remaining.format()} still to pay")
            return
        if any(a.state.value in ("authorised", "captured") for a in progress.cards):
            self.open_tender = sale_id
            c.p.messages.warn(f"A card is authorised on this sale: pay the remaining "
                              f"{progress.remaining.format()} by card (F5) or cash (F4)")
            return
        # Nothing was taken: void the tender record (after the worker released the reader)
        # and let the basket carry on under a new sale id.
        worker.void_sale(sale_id, "card not taken; basket kept")
        c.service.renew_sale_id()
        c.p.messages.warn("Card not taken: the basket is kept. F5 to try again, F4 for cash")

    # split tender: cash part, void --------------------------------------------------------
    def _open_progress(self) -> TenderProgress | None:
        """The open tender of the basket on screen, if a card is already on it."""
        core, c = self.core, self.window.controller
        if core is None or self.open_tender is None or c.service.sale_id != self.open_tender:
            return None
        try:
            progress = core.tender.progress(self.open_tender)
        except TillError:
            return None
        if progress.state is not TenderSaleState.OPEN or not progress.remaining.minor:
            return None
        return progress

    def edit_lock(self) -> str | None:
        """While a card is authorised for part of the basket on screen, its lines are frozen:
        the card's amount was fixed when it was taken, so a change would leave the sale and
        its payments disagreeing. The cashier finishes the payment or cancels the sale."""
        if self._open_progress() is None:
            return None
        return ("A card has already paid part of this sale, so its items are fixed: take the "
                "rest by card (F5) or cash (F4), or cancel the sale (Esc Esc) to release the "
                "card")

    def cash_part(self) -> bool:
        """F4: with a card authorised on this sale, the cash part goes to the payments core
        (``tender.pay_cash``), never to a second, separate cash sale. False: not ours."""
        progress = self._open_progress()
        core, worker, c = self.core, self.worker, self.window.controller
        if progress is None or core is None or worker is None:
            return False
        sale_id = progress.sale_id

        def pay(tendered: Money) -> CompletedSale:
            after = core.tender.pay_cash(sale_id, tendered)  # local: completes, queues capture
            if not after.completed or after.sale is None:
                raise InputError(f"{after.remaining.format()} still to pay", code="IT-376")
            worker.request_drain()  # send the captures now
            return after.sale

        dialog = CashTenderDialog(progress.remaining, quick_cash(progress.remaining), pay,
                                  self.window)

        def paid() -> None:
            if dialog.sale is not None:
                self.open_tender = None
                c.service.completed_elsewhere(dialog.sale)
                c._paid(dialog.sale)

        c.open_dialog(dialog, paid)
        return True

    def _dialog_closed(self, name: str) -> None:
        """Esc Esc cancelled a sale that has a card on it: void it through the worker (the
        authorisation is cancelled, queued if Stripe is away)."""
        sale_id, worker = self.open_tender, self.worker
        if name != "cancel_sale_dialog" or sale_id is None or worker is None:
            return
        if self.window.controller.service.sale_id == sale_id:
            return  # "Keep selling"
        self.open_tender = None
        worker.void_sale(sale_id, "sale cancelled at the till")
        self.window.messages.warn("Sale cancelled: the card authorisation is being cancelled")

    # menus ------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.window.menuBar()
        view = self.window.findChild(QMenu, "menu_view") or bar.addMenu("&View")
        view.setObjectName("menu_view")
        self.queue_action = QAction("Payment queue", self.window)
        self.queue_action.setObjectName("action_queue")
        self.queue_action.setShortcut(QKeySequence("Ctrl+K"))
        self.queue_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.queue_action.triggered.connect(self.open_queue)
        self.queue_action.setEnabled(False)
        view.addAction(self.queue_action)
        staff = self.window.findChild(QMenu, "menu_staff") or bar.addMenu("&Staff")
        self.reader_action = QAction("Card reader…", self.window)
        self.reader_action.setObjectName("action_reader_admin")
        self.reader_action.triggered.connect(self.open_reader_admin)
        self.reader_action.setEnabled(False)
        staff.addAction(self.reader_action)

    def set_permissions(self, *, queue: bool, readers: bool) -> None:
        self.queue_action.setVisible(queue)
        self.reader_action.setVisible(readers)

    def open_queue(self) -> QWidget | None:
        if self.worker is None or self.core is None:
            return None
        if self.queue_panel is None:
            panel = QueuePanel(_QueueActions(self.worker, self.who), self.signals)
            panel.setParent(self.window, Qt.WindowType.Window)
            panel.setWindowTitle("Payment queue")
            panel.resize(960, 420)
            self.queue_panel = panel
            self._on_queue_now()
        self.queue_panel.show()
        self.queue_panel.raise_()
        return self.queue_panel

    def _on_queue_now(self) -> None:
        core, worker = self.core, self.worker
        if core is not None and worker is not None:
            worker.call("queue", core.queue_summary, self.signals.queue.emit)

    def open_reader_admin(self) -> QWidget | None:
        if self.worker is None or self.core is None:
            QMessageBox.information(self.window, "Card reader", STARTING)
            return None
        dialog = ReaderAdminDialog(self.core.readers, self.worker.call, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
