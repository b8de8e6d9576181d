"""F5 card tender: "present card" with live status, Cancel, decline reason, try another card.

The dialog never calls Stripe: it asks the worker (``CardActions``) and shows each
``CardStatus`` that arrives on ``PaymentSignals.card_status`` (queued onto the GUI thread).
In training mode it also offers the "simulate" buttons that act as the customer on the
simulated reader. It closes itself (accepted) when the card is approved; ``status`` then
holds the final ``CardStatus`` (``sale_completed`` tells the caller whether more is due).

Keys: Esc cancels (the reader's action first, if a card is being asked for); Enter takes
the default action where there is one ("Try another card" after a decline or a cancel),
and does nothing while the reader waits for the card, so a stray scan (which ends in
Enter) cannot press a button; F5 and F4 work as their buttons say. The focus sits on the
default button, or on Cancel while the reader is busy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from ireti_till.domain.money import Money
from ireti_till.services.card_payments import CardStatus
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import big_font, name
from ireti_till.worker.signals import PaymentSignals


class CardActions(Protocol):
    """What the dialog asks of the worker (``SyncWorker`` provides these)."""

    def card_start(self, sale_id: UUID, amount: Money | None = None) -> None: ...
    def card_try_again(self, attempt_id: UUID) -> None: ...
    def card_cancel(self, attempt_id: UUID) -> None: ...
    def card_abandon(self, attempt_id: UUID, reason: str) -> None: ...
    def simulate(self, outcome: str) -> None: ...


_HEADLINE = {
    "creating": "Contacting Stripe…", "ready": "Card payment paused",
    "waiting_for_card": "Present card", "declined": "Card declined",
    "approved": "Approved", "cancelled": "Card payment cancelled",
    "needs_reconciliation": "Needs a supervisor",
}


class CardTenderDialog(TillDialog):
    def __init__(self, sale_id: UUID, amount: Money, actions: CardActions,
                 signals: PaymentSignals, *, simulate: Sequence[tuple[str, str]] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__("card_tender_dialog", "Card payment", parent)
        self.sale_id = sale_id
        self.amount = amount
        self.ops = actions
        self.status: CardStatus | None = None
        self.title.setText(f"Card payment — {amount.format()}")  # the one heading
        name(self.title, "card_amount")
        self.title.setFont(big_font(22))
        self.headline = QLabel(_HEADLINE["creating"], self)
        name(self.headline, "card_headline")
        self.headline.setFont(big_font(18))
        self.detail = QLabel("", self)
        name(self.detail, "card_detail")
        self.detail.setWordWrap(True)
        self.body.addWidget(self.headline)
        self.body.addWidget(self.detail)
        self.sim_buttons: list[QPushButton] = []
        if simulate:
            grid = QGridLayout()
            caption = QLabel("Training — simulate the customer:", self)
            self.body.addWidget(caption)
            for i, (outcome, text) in enumerate(simulate):
                b = QPushButton(f"Simulate: {text}", self)
                name(b, f"card_simulate_{outcome}")
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                b.clicked.connect(lambda _c=False, o=outcome: self.ops.simulate(o))
                grid.addWidget(b, i // 3, i % 3)
                self.sim_buttons.append(b)
            self.body.addLayout(grid)
        self.retry = self.add_button("card_try_again", "Try another card\nF5", "primary",
                                     slot=self._try_again)
        self.cash = self.add_button("card_take_cash", "Take cash instead\nF4",
                                    slot=self._give_up)
        self.cancel = self.add_button("card_cancel", "Cancel\nEsc", slot=self._cancel)
        self.retry.setVisible(False)
        self.cash.setVisible(False)
        for b in (self.retry, self.cash, self.cancel):
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab moves; Space presses
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self._key_retry)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self, self._key_cash)
        self._settle_focus()
        signals.card_status.connect(self.on_status)
        self._sim_enabled(False)
        actions.card_start(sale_id, amount)

    # ---- status from the worker (GUI thread) ----------------------------------------------
    def on_status(self, status: CardStatus) -> None:
        if status.sale_id != self.sale_id:
            return
        if self.status is not None and status.attempt_id != self.status.attempt_id and (
                status.state.final and not status.sale_completed):
            return  # a late word about an earlier attempt
        self.status = status
        self.headline.setText(_HEADLINE.get(status.phase, status.phase))
        detail = status.message
        if status.phase == "approved" and status.card_last4:
            detail = f"{(status.card_brand or 'card').title()} •••• {status.card_last4}"
        if status.error_code:
            detail = f"{detail} ({status.error_code})"
        self.detail.setText(detail)
        stalled = status.phase == "creating" and "could not" in status.message
        self.retry.setVisible(status.phase in ("declined", "ready", "cancelled") or stalled)
        self.cash.setVisible(status.phase in ("declined", "ready") or stalled)
        self._sim_enabled(status.phase == "waiting_for_card")
        self._settle_focus()
        if status.phase == "approved":
            self.accept()
        elif status.phase == "cancelled" and status.state.final:
            self.reject()

    # ---- buttons ---------------------------------------------------------------------------
    def _try_again(self) -> None:
        if self.status is None:
            return
        if self.status.phase == "cancelled":
            self.ops.card_start(self.sale_id, self.amount)
        else:
            self.ops.card_try_again(self.status.attempt_id)

    def _give_up(self) -> None:
        if self.status is not None:
            self.ops.card_abandon(self.status.attempt_id, "customer paid another way")

    def _cancel(self) -> None:
        if self.status is None:
            return
        if self.status.phase == "waiting_for_card":
            self.ops.card_cancel(self.status.attempt_id)  # cancel_action on the reader
        else:
            self._give_up()

    def reject(self) -> None:
        """Esc: never leave a card on the reader behind a closed dialog."""
        if self.status is not None and self.status.phase == "waiting_for_card":
            self._cancel()
            return
        if self.status is not None and not self.status.state.final and (
                self.status.phase != "approved"):
            self._give_up()
        super().reject()

    def _settle_focus(self) -> None:
        """Enter = "Try another card" when it is offered; otherwise Enter does nothing and
        the focus rests on Cancel (Esc works everywhere)."""
        offer = not self.retry.isHidden()
        self.retry.setDefault(offer)
        self.retry.setAutoDefault(offer)
        (self.retry if offer else self.cancel).setFocus()

    def _key_retry(self) -> None:
        if not self.retry.isHidden():
            self._try_again()

    def _key_cash(self) -> None:
        if not self.cash.isHidden():
            self._give_up()

    def _sim_enabled(self, on: bool) -> None:
        for b in self.sim_buttons:
            b.setEnabled(on)
