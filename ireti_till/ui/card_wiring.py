"""Card payments on the sale window (``composition.payments.wire_payments`` calls it):
the card tender (F5, the queue panel, the reader screen) following the signed-in
person's role, and the close guard for card work not yet sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi
    from ireti_till.worker.signals import PaymentSignals


def install_card_tender(window: MainWindow, staff: StaffUi, signals: PaymentSignals,
                        training: bool) -> CardTenderUi:
    from ireti_till.domain.staff import Permission
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.ui.payments.close_guard import CloseGuard

    def who() -> str:
        member = staff.current
        return member.user_id if member is not None else "system"

    cards = CardTenderUi(window, signals, training=training, who=who)

    def follow_role(_role: object = None) -> None:
        cards.set_permissions(queue=staff.can(Permission.RESOLVE_QUEUE),
                              readers=staff.can(Permission.CHANGE_SETTINGS))

    staff.role_changed.append(follow_role)
    follow_role()
    staff.unsent_work = lambda: cards.unsent
    # Closing the till with card work unsent: a supervisor approves first (DESIGN §6).
    CloseGuard(window, lambda: staff.gate, lambda: cards.unsent, window.controller.refuse)
    return cards
