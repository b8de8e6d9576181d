"""Reader administration: pick or create a location, register a reader with its code,
choose this till's reader, see its status and last seen, and test it with a cart.

Every Stripe call runs on the worker (``run(what, fn, done)``: ``SyncWorker.call`` with a
GUI-thread ``done``); the dialog only shows results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ireti_till.domain.money import Money
from ireti_till.services.payment_port import Address, LocationInfo, ReaderInfo
from ireti_till.services.readers import ReaderAdmin
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import name

Run = Callable[[str, Callable[[], Any], Callable[[Any], None]], None]


def last_seen_text(ms: int | None, now_s: float | None = None) -> str:
    """Stripe's ``last_seen_at`` (milliseconds) for people: "last seen 2 min ago (14:03)"."""
    if ms is None:
        return "last seen: not reported"
    seen = ms / 1000
    ago = max(0.0, (time.time() if now_s is None else now_s) - seen)
    if ago < 90:
        span = f"{int(ago)} s"
    elif ago < 5400:
        span = f"{int(ago // 60)} min"
    elif ago < 172_800:
        span = f"{ago / 3600:.0f} h"
    else:
        span = f"{ago / 86_400:.0f} days"
    clock = datetime.fromtimestamp(seen).strftime("%Y-%m-%d %H:%M")
    return f"last seen {span} ago ({clock})"


def reader_text(r: ReaderInfo, now_s: float | None = None) -> str:
    seen = last_seen_text(r.last_seen_at_ms, now_s)
    return f"{r.label or r.id}: {r.status or 'status unknown'}, {seen}"


class _Relay(QObject):
    """Carries a worker result to the GUI thread (emit from the worker, slot runs here)."""

    done = Signal(object, object)  # (callback, result)


class ReaderAdminDialog(TillDialog):
    def __init__(self, admin: ReaderAdmin, run: Run, parent: QWidget | None = None) -> None:
        super().__init__("reader_admin_dialog", "Card reader", parent)
        self.admin = admin
        self._run = run
        self._relay = _Relay(self)
        self._relay.done.connect(lambda cb, result: cb(result))
        form = QFormLayout()
        self.locations = QComboBox(self)
        name(self.locations, "reader_locations", "Locations")
        self.new_location = QLineEdit(self)
        name(self.new_location, "reader_new_location", "New location name")
        self.code = QLineEdit(self)
        name(self.code, "reader_code", "Registration code")
        self.code.setPlaceholderText("code shown on the reader (training: simulated-wpe)")
        self.label = QLineEdit("Till reader", self)
        name(self.label, "reader_label", "Reader label")
        self.readers = QComboBox(self)
        name(self.readers, "reader_list", "Readers")
        self.status = QLabel("", self)
        name(self.status, "reader_status")
        self.status.setWordWrap(True)
        form.addRow("Location", self.locations)
        form.addRow("New location", self.new_location)
        form.addRow("Registration code", self.code)
        form.addRow("Label", self.label)
        form.addRow("Reader", self.readers)
        form.addRow("Status", self.status)
        self.body.addLayout(form)
        self.add_button("reader_create_location", "Create location", slot=self.create_location)
        self.add_button("reader_register", "Register reader", slot=self.register)
        self.add_button("reader_choose", "Use for this till", "primary", slot=self.choose)
        self.add_button("reader_test", "Test: show a cart", slot=self.test)
        self.add_cancel_button()
        self.refresh()

    def _call(self, what: str, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self.status.setText("Working…")
        self._run(what, fn, lambda result: self._relay.done.emit(then, result))

    # ---- actions ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._call("reader locations", lambda: (self.admin.locations(), self.admin.readers()),
                   self._show_lists)

    def _show_lists(self, result: tuple[tuple[LocationInfo, ...], tuple[ReaderInfo, ...]]
                    ) -> None:
        locations, readers = result
        self.locations.clear()
        for loc in locations:
            self.locations.addItem(loc.display_name, loc.id)
        self.readers.clear()
        current = self.admin.current_reader()
        for r in readers:
            mark = " (this till)" if r.id == current else ""
            self.readers.addItem(f"{reader_text(r)}{mark}", r.id)
        self.status.setText(f"{len(readers)} readers, {len(locations)} locations")

    def create_location(self) -> None:
        display = self.new_location.text().strip()
        addr = Address("Shop", "Dublin", "IE")
        self._call("create location", lambda: self.admin.create_location(display, addr),
                   lambda _loc: self.refresh())

    def register(self) -> None:
        loc = self.locations.currentData()
        if not loc:
            self.show_error_text("Create or pick a location first (IT-381)")
            return
        code, label = self.code.text(), self.label.text()
        def registered(r: ReaderInfo) -> None:
            self.admin.choose_reader(r.id, loc)
            self.refresh()

        self._call("register reader", lambda: self.admin.register(code, loc, label), registered)

    def choose(self) -> None:
        rid = self.readers.currentData()
        if rid:
            self.admin.choose_reader(rid, self.locations.currentData())
            self._call("reader status", lambda: self.admin.status(rid), self._show_status)

    def _show_status(self, r: ReaderInfo | None) -> None:
        self.status.setText("No reader" if r is None else reader_text(r))

    def test(self) -> None:
        cart = [("Test item", 1, Money(100, "EUR"))]
        self._call("reader test", lambda: self.admin.show_cart(cart, Money(100, "EUR")),
                   self._show_status)

    def show_error_text(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
