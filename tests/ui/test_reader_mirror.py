"""The basket mirrored on the reader's display: debounced and coalesced, only while the
reader is online, paused while a card payment owns the screen, cleared when the basket
empties; through the real till against the training emulator (which records the cart)."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from ireti_till.services.payment_port import ReaderAction, ReaderInfo
from ireti_till.services.readers import ReaderAdmin
from ireti_till.services.sale_views import BasketView, LineView
from ireti_till.ui.payments.reader_mirror import ReaderMirror, cart_of
from tests.ui.conftest import Keyboard, gtin, wait_dialog
from tests.ui.test_app_wiring import CASHIER_PIN, sign_in
from tests.ui.test_app_wiring_cards import card_ready, till, wait_modal  # noqa: F401

E = "EUR"


def basket(*items: tuple[str, int, int]) -> BasketView:
    lines = tuple(LineView(i + 1, f"sku{i}", n, q, Money(m // q, E), Money(0, E), Money(m, E),
                           "A", None, None) for i, (n, q, m) in enumerate(items))
    total = Money(sum(m for _n, _q, m in items), E)
    return BasketView(lines, sum(q for _n, q, _m in items), total, Money(0, E), None, (),
                      Money(0, E), total, E)


class Target:
    def __init__(self) -> None:
        self.shown: list[tuple[Any, Money, Money | None]] = []
        self.cleared = 0
        self.reader: str | None = "tmr_1"

    def show_cart(self, lines: Any, total: Money, tax: Money | None = None,
                  reader_id: str | None = None) -> None:
        self.shown.append((lines, total, tax))

    def clear_display(self, reader_id: str | None = None) -> bool:
        self.cleared += 1
        return True

    def current_reader(self) -> str | None:
        return self.reader


def make(qtbot: QtBot, online: list[bool] | None = None) -> tuple[ReaderMirror, Target,
                                                                  list[Callable[[], None]]]:
    target, sent = Target(), []
    flag = online if online is not None else [True]

    def send(fn: Callable[[], None]) -> None:
        sent.append(fn)
        fn()  # the worker, synchronously

    owner = QWidget()  # as in the till (CardTenderUi): the mirror and its timer have a parent
    qtbot.addWidget(owner)  # deleted on the GUI thread after the test, never by a GC pass
    mirror = ReaderMirror(target, send, lambda: flag[0], owner, debounce_ms=30)
    mirror.owner = owner  # type: ignore[attr-defined]  # qtbot keeps only a weak reference
    return mirror, target, sent


def test_a_burst_of_changes_sends_one_cart_with_the_latest_basket(qtbot: QtBot) -> None:
    mirror, target, _sent = make(qtbot)
    mirror.on_basket(basket(("Tea", 1, 250)))
    mirror.on_basket(basket(("Tea", 1, 250), ("Milk", 2, 198)))
    mirror.on_basket(basket(("Tea", 2, 500), ("Milk", 2, 198)))
    assert target.shown == []  # nothing on the GUI thread's way yet: debounced
    qtbot.waitUntil(lambda: len(target.shown) == 1)
    lines, total, tax = target.shown[0]
    assert lines == (("Tea", 2, Money(500, E)), ("Milk", 2, Money(198, E)))
    assert total == Money(698, E) and tax is None  # prices include tax
    assert not mirror.timer.isActive()
    mirror.on_basket(basket(("Tea", 2, 500), ("Milk", 2, 198)))  # same cart: not resent
    mirror.flush()
    assert len(target.shown) == 1


def test_nothing_is_sent_offline_or_without_a_reader(qtbot: QtBot) -> None:
    online = [False]
    mirror, target, sent = make(qtbot, online)
    mirror.on_basket(basket(("Tea", 1, 250)))
    mirror.flush()
    target.reader, online[0] = None, True
    mirror.flush()
    assert sent == [] and target.shown == []
    target.reader = "tmr_1"
    mirror.flush()
    assert len(target.shown) == 1


def test_a_payment_pauses_it_and_an_empty_basket_clears_only_our_cart(qtbot: QtBot) -> None:
    mirror, target, _sent = make(qtbot)
    mirror.on_basket(basket())  # an empty basket before anything was shown: no call
    mirror.flush()
    assert target.cleared == 0
    mirror.on_basket(basket(("Tea", 1, 250)))
    mirror.pause()  # F5: process_payment_intent owns the screen
    assert not mirror.timer.isActive()
    mirror.flush()
    assert target.shown == []
    mirror.resume(basket(("Tea", 1, 250)))  # card not taken: the basket goes back up
    qtbot.waitUntil(lambda: len(target.shown) == 1)
    mirror.on_basket(basket())  # sale done or cancelled
    qtbot.waitUntil(lambda: target.cleared == 1)
    mirror.on_basket(basket())
    mirror.flush()
    assert target.cleared == 1


def test_tax_is_sent_only_when_prices_exclude_it() -> None:
    view = basket(("Tea", 1, 250))
    exclusive = BasketView(view.lines, 1, view.subtotal, Money(0, E), None, (), Money(23, E),
                           Money(273, E), E, prices_include_tax=False)
    assert cart_of(view)[2] is None
    assert cart_of(exclusive)[1:] == (Money(273, E), Money(23, E))


class StubGateway:
    def __init__(self, action: ReaderAction | None) -> None:
        self.action = action
        self.cancelled: list[str] = []

    def retrieve_reader(self, rid: str) -> ReaderInfo:
        return ReaderInfo(rid, "Front", "online", "x", action=self.action)

    def cancel_reader_action(self, rid: str, *, idempotency_key: str) -> ReaderInfo:
        assert idempotency_key.startswith("display-clear:")
        self.cancelled.append(rid)
        return self.retrieve_reader(rid)


def test_clear_display_never_cancels_a_payment() -> None:
    for action, cancels in ((ReaderAction("set_reader_display", "in_progress"), True),
                            (ReaderAction("set_reader_display", "succeeded"), False),
                            (ReaderAction("process_payment_intent", "in_progress"), False),
                            (None, False)):
        gw = StubGateway(action)
        admin = ReaderAdmin(SimpleNamespace(gateway=gw))  # type: ignore[arg-type]
        assert admin.clear_display("tmr_1") is cancels
        assert gw.cancelled == (["tmr_1"] if cancels else [])


_seen: dict[str, Any] = {"at": -1.0, "action": None}


def reader_action(till: Any) -> dict[str, Any] | None:  # noqa: F811
    """The reader's action as the emulator reports it (over HTTP, so it works whether the
    emulator runs in this process or a child), including the cart it was given. Read at
    most every 0.2 s: waitUntil polls fast, and the emulator keeps Stripe's rate limit."""
    now = time.monotonic()
    if now - _seen["at"] >= 0.2:
        rid = till.payments.get().core.readers.current_reader()
        sdk = till.payments.get().core.ctx.gateway._v1  # the gateway's own StripeClient services
        action = sdk.terminal.readers.retrieve(rid).to_dict().get("action")
        _seen.update(at=now, action=None if action is None else dict(action))
    return _seen["action"]


def test_the_emulator_reader_shows_the_basket_then_the_payment(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:  # noqa: F811
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    keyboard.scan(gtin(2))
    keyboard.scan(gtin(1))
    view = till.window.controller.service.view()

    def cart() -> dict[str, Any] | None:
        a = reader_action(till)
        if a is None or a["type"] != "set_reader_display":
            return None
        return a["set_reader_display"]["cart"]

    qtbot.waitUntil(lambda: cart() is not None and cart()["total"] == view.total.minor,
                    timeout=15_000)
    shown = cart()
    assert shown is not None and shown["currency"] == view.currency.lower()
    assert [(li["description"], li["quantity"], li["amount"]) for li in shown["line_items"]] \
        == [(ln.name, ln.quantity, ln.total.minor) for ln in view.lines]
    keyboard.press(Qt.Key.Key_F5)
    dialog = wait_modal(qtbot, "card_tender_dialog")
    qtbot.waitUntil(lambda: (reader_action(till) or {}).get("type")
                    == "process_payment_intent", timeout=15_000)
    approve = dialog.findChild(QPushButton, "card_simulate_approve")
    qtbot.waitUntil(approve.isEnabled, timeout=15_000)
    approve.click()
    wait_dialog(qtbot, "receipt_dialog")
    assert till.cards.get().mirror is not None and not till.cards.get().mirror.paused
