"""The basket mirrored on the card reader's display while the cashier scans (issue 4).

After each basket change a single-shot timer (``DEBOUNCE_MS``) is restarted, so a burst of
scans sends one update with the latest basket. The update goes through the worker
(``display(fn)``: the ``card`` executor, coalescing, errors logged and never shown), and
only while a reader is chosen and the last check found Stripe and the reader online.
An empty basket (after a sale, a cancel, or a basket emptied line by line) clears the
display, but only if this till put a cart there. When a card payment starts the mirror
pauses and forgets what it sent: ``process_payment_intent`` takes the screen over, and the
next basket is sent afresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer

from ireti_till.domain.money import Money
from ireti_till.services.sale_views import BasketView

log = logging.getLogger("ireti_till.ui")
DEBOUNCE_MS = 400
MAX_LINES = 100  # Stripe's cart holds at most 100 line items

#: (description, quantity, line total) as ``ReaderAdmin.show_cart`` takes them
CartLines = tuple[tuple[str, int, Money], ...]


class DisplayTarget(Protocol):
    """What the mirror needs of the reader service (``ReaderAdmin``)."""

    def show_cart(self, lines: CartLines, total: Money, tax: Money | None = None,
                  reader_id: str | None = None) -> object: ...
    def clear_display(self, reader_id: str | None = None) -> bool: ...
    def current_reader(self) -> str | None: ...


def cart_of(view: BasketView) -> tuple[CartLines, Money, Money | None]:
    """The cart for the display: line totals after line discounts, the amount due, and the
    tax only where prices exclude it (an inclusive price already holds it)."""
    lines = tuple((ln.name, ln.quantity, ln.total) for ln in view.lines[:MAX_LINES])
    tax = None if view.prices_include_tax else view.tax_total
    return lines, view.total, tax


class ReaderMirror(QObject):
    def __init__(self, target: DisplayTarget, send: Callable[[Callable[[], None]], None],
                 online: Callable[[], bool], parent: QObject | None = None,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._target = target
        self._send = send
        self._online = online
        self._view: BasketView | None = None
        self._shown: tuple[CartLines, Money, Money | None] | None = None  # what we sent
        self.paused = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(debounce_ms)
        self.timer.timeout.connect(self.flush)

    def on_basket(self, view: BasketView) -> None:
        """Each basket change (connect ``SaleController.basket_changed``)."""
        self._view = view
        if not self.paused:
            self.timer.start()  # restarts: bursts coalesce into one update

    def pause(self) -> None:
        """A card payment starts: its ``process_payment_intent`` owns the screen now."""
        self.paused = True
        self.timer.stop()
        self._shown = None

    def resume(self, view: BasketView | None = None) -> None:
        """The card dialog closed: mirror the basket again (if any is left)."""
        self.paused = False
        if view is not None:
            self.on_basket(view)

    def flush(self) -> None:
        """Send the latest basket (the timer's slot; tests may call it)."""
        view = self._view
        if self.paused or view is None:
            return
        if not self._online() or self._target.current_reader() is None:
            return
        if view.is_empty:
            if self._shown is None:
                return  # nothing of ours on the screen
            self._shown = None
            self._send(self._clear)
            return
        cart = cart_of(view)
        if cart == self._shown:
            return
        self._shown = cart
        lines, total, tax = cart
        self._send(lambda: self._show(lines, total, tax))

    def _show(self, lines: CartLines, total: Money, tax: Money | None) -> None:
        self._target.show_cart(lines, total, tax)

    def _clear(self) -> None:
        if self._target.clear_display():
            log.debug("reader display cleared")
