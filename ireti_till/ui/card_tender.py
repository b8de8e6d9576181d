"""Card payments on the sale screen: F5, the status bar, the queue panel, the reader screen.

The composition root starts the payments core and the sync worker on a helper thread and
hands them over through ``ready`` (a signal, so the hand-over lands on the GUI thread):

    cards = CardTenderUi(window, signals, training=True)
    start_payments(..., on_ready=cards.ready.emit, on_failed=cards.failed.emit)

Until then, and whenever Stripe or the reader is unreachable, the Card key is off with the
reason on it (cash keeps working). F5 asks checkout (``services.checkout``, through the
sale controller) to freeze the basket as an open tender sale, opens the card dialog for
what remains, and shows what checkout says happened when it closes (paid: the receipt;
part paid: what remains; nothing taken: the basket is kept). Split tender and cancelling
a sale with a card on it are checkout's too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ireti_till.domain.errors import InputError, TillError
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.checkout import Outcome
from ireti_till.services.connectivity import Connectivity as CardConnectivity
from ireti_till.services.payments_core import SIMULATE_OUTCOMES, PaymentsCore, QueueSummary
from ireti_till.ui.bridge import Connectivity, QueueStatus, ReaderStatus, StripeStatus
from ireti_till.ui.dialogs.asks import inform
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


class _WorkerQueue:
    """The worker as checkout's ``CardQueue``."""

    def __init__(self, worker: SyncWorker) -> None:
        self._worker = worker

    def void_sale(self, sale_id: UUID, reason: str) -> None:
        self._worker.void_sale(sale_id, reason)

    def request_drain(self) -> None:
        self._worker.request_drain()


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
        #: called with the queue panel once it is made (the back office's line joins it)
        self.on_queue_panel: list[Callable[[QueuePanel], None]] = []
        self.card_reason = STARTING
        self._link: tuple[bool, str] = (False, STARTING)  # Stripe and reader, and why not
        self.unsent = 0  # payment operations waiting in the outbox (last queue summary)
        self.ready.connect(self._on_ready)
        self.failed.connect(self._on_failed)
        signals.connectivity.connect(self._on_connectivity)
        signals.queue.connect(self._on_queue)
        signals.failed.connect(lambda _what, message: window.messages.warn(message))
        window.controller.attach_card(self.card)
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
        self.window.controller.connect_cards(core.tender, _WorkerQueue(worker))
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
            c.unavailable(self.card_reason or STARTING)
            return
        if c.service.view().is_empty:
            c.refuse(InputError("The sale is empty: scan an item first", code="IT-151"))
            return
        try:
            progress = c.checkout.begin_card()  # committed before any network call
        except TillError as exc:
            c.refuse(exc)
            return
        sale_id = progress.sale_id
        if self.mirror is not None:
            self.mirror.pause()  # process_payment_intent takes the reader's screen over
        dialog = CardTenderDialog(sale_id, progress.remaining, worker, self.signals,
                                  simulate=SIMULATE_OUTCOMES if core.training else (),
                                  parent=self.window)
        c.open_dialog(dialog, lambda: self._closed(sale_id, dialog.status),
                      lambda: self._closed(sale_id, dialog.status))

    def _closed(self, sale_id: UUID, status: CardStatus | None) -> None:
        c = self.window.controller
        try:
            state = c.checkout.card_closed(sale_id, status is not None
                                           and status.phase == "approved")
        except TillError as exc:
            c.refuse(exc)
            return
        finally:
            if self.mirror is not None:
                self.mirror.resume(c.service.view())
        if state.outcome is Outcome.PAID:
            c.show_paid(state.completed)
        elif state.outcome is Outcome.PART_PAID:
            c.inform(f"Card approved; {state.due.format()} still to pay")
        elif state.outcome is Outcome.CARD_HELD:
            c.warn(f"A card is authorised on this sale: pay the remaining "
                   f"{state.due.format()} by card (F5) or cash (F4)")
        else:
            c.warn("Card not taken: the basket is kept. F5 to try again, F4 for cash")

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
            for hook in self.on_queue_panel:
                hook(panel)
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
            inform(self.window, "Card reader", STARTING)
            return None
        dialog = ReaderAdminDialog(self.core.readers, self.worker.call, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
