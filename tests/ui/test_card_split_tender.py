"""Split tender on the sale screen: a card authorised for part of the sale, then F4 takes the
rest through the payments core (one sale, card + cash, capture sent); Esc Esc on such a
sale voids it through the worker (the authorisation is cancelled). Training emulator."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from tests.ui.conftest import Keyboard, gtin, wait_dialog
from tests.ui.test_app_wiring import CASHIER_PIN, sign_in
from tests.ui.test_app_wiring_cards import card_ready, till  # noqa: F401 - fixture

S = AttemptState


def authorise_part(qtbot: QtBot, till: Any, part_minor: int) -> UUID:  # noqa: F811
    """Ring one item, freeze it for tendering and authorise ``part_minor`` by card."""
    c, core, worker = till.window.controller, till.payments.get().core, till.payments.get().worker
    draft = c.checkout.begin_card()  # as F5 does
    statuses: list[Any] = []
    till.cards.get().signals.card_status.connect(statuses.append)
    worker.card_start(draft.sale_id, Money(part_minor, draft.total.currency))
    qtbot.waitUntil(lambda: any(s.phase == "waiting_for_card" for s in statuses),
                    timeout=15_000)
    worker.simulate("approve")
    qtbot.waitUntil(lambda: any(a.state is S.AUTHORISED
                                for a in core.tender.progress(draft.sale_id).cards),
                    timeout=15_000)
    state = c.checkout.card_closed(draft.sale_id, approved=True)  # as the card dialog does
    assert state.card_on_sale and state.due.minor == draft.total.minor - part_minor
    return draft.sale_id


def test_f4_pays_the_rest_of_a_card_sale_in_cash(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:  # noqa: F811
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    total = till.window.controller.service.amount_due()
    sale_id = authorise_part(qtbot, till, 100)
    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    assert cash._due == Money(total.minor - 100, total.currency)  # only what remains
    keyboard.press(Qt.Key.Key_Return)
    receipt = wait_dialog(qtbot, "receipt_dialog")
    assert receipt.sale.sale_id == sale_id
    assert sorted(t.kind for t in receipt.sale.tenders) == ["card", "cash"]
    core = till.payments.get().core
    qtbot.waitUntil(lambda: core.tender.progress(sale_id).cards[0].state is S.CAPTURED,
                    timeout=20_000)
    assert not till.window.controller.checkout.state().card_on_sale


def test_cancelling_a_sale_with_a_card_on_it_voids_it(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:  # noqa: F811
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    sale_id = authorise_part(qtbot, till, 100)
    keyboard.press(Qt.Key.Key_Escape)
    wait_dialog(qtbot, "cancel_sale_dialog")
    keyboard.press(Qt.Key.Key_Y)  # cancel the sale
    core = till.payments.get().core
    qtbot.waitUntil(lambda: core.tender.progress(sale_id).state.value == "voided",
                    timeout=15_000)
    qtbot.waitUntil(lambda: core.tender.progress(sale_id).cards[0].state is S.CANCELLED,
                    timeout=20_000)
    assert till.window.controller.service.view().is_empty


def test_basket_is_frozen_while_a_card_holds_part_of_the_sale(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:  # noqa: F811
    """The card's amount was fixed when it was taken: adding, voiding or re-pricing a line
    now would leave the sale and its payments disagreeing, so each edit is refused (IT-373)
    and the basket stays as it was; paying the rest still works."""
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    c = till.window.controller
    before = c.service.view()
    authorise_part(qtbot, till, 100)
    keyboard.scan(gtin(2))
    assert "IT-373" in till.window.messages.text()
    keyboard.press(Qt.Key.Key_F9)  # void line
    keyboard.press(Qt.Key.Key_F6)  # quantity
    assert c.dialog is None and "IT-373" in till.window.messages.text()
    assert c.service.view() == before
    keyboard.press(Qt.Key.Key_F4)  # the rest in cash is still allowed
    wait_dialog(qtbot, "cash_tender_dialog")
