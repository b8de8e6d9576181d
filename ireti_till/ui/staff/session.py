"""Who is at the till, and each cashier's open basket, kept while others take over.

``StaffSession`` keeps one sale service per signed-in cashier (made by the factory the
composition root passes in). Locking the till or switching cashier parks the current one:
their ``SaleService`` (and so their open basket) stays in memory, and it is handed back
when they sign in again. Baskets are drafts (nothing a customer paid for lives only in
memory), so a crash loses only unpaid drafts, as on any till.

    session = StaffSession(staff_service, make_sale_service=lambda m: SaleService(..., m.name))
    session.cashier_changed.connect(main_window.set_cashier)   # (member, sale_service)
    session.locked.connect(main_window.show_lock_screen)
    sign_in_screen.signed_in.connect(session.sign_in)
    idle_watcher.idle_timeout.connect(lambda: session.lock("idle"))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from ireti_till.domain.staff import StaffMember
from ireti_till.services.staff import StaffService

S = TypeVar("S")


class StaffSession(QObject, Generic[S]):
    cashier_changed = Signal(object, object)  # (StaffMember, the member's sale service)
    locked = Signal(object)  # the StaffMember who was at the till (or None)

    def __init__(self, staff: StaffService, make_sale_service: Callable[[StaffMember], S],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        self._make = make_sale_service
        self._services: dict[str, S] = {}
        self.current: StaffMember | None = None
        self.is_locked = True

    def sign_in(self, member: StaffMember) -> S:
        """After a successful PIN: resume this person's basket, or start a fresh one."""
        service = self._services.get(member.user_id)
        if service is None:
            service = self._services[member.user_id] = self._make(member)
        self.current = member
        self.is_locked = False
        self.cashier_changed.emit(member, service)
        return service

    def lock(self, reason: str = "lock") -> None:
        """Lock the screen; the current basket stays parked under its cashier."""
        if self.is_locked:
            return
        self.is_locked = True
        if self.current is not None:
            if reason == "sign_out":
                self._staff.sign_out(self.current)
            else:
                self._staff.lock_screen(self.current, reason=reason)
        self.locked.emit(self.current)

    def sign_out(self, member: StaffMember) -> S | None:
        """End ``member``'s session for good; returns their service (caller checks basket)."""
        if self.current is not None and self.current.user_id == member.user_id:
            self.lock("sign_out")
            self.current = None
        return self._services.pop(member.user_id, None)

    def parked(self) -> list[str]:
        """User ids with a kept sale service other than the one at the till."""
        here = None if self.current is None or self.is_locked else self.current.user_id
        return [uid for uid in self._services if uid != here]

    def service_for(self, user_id: str) -> S | None:
        return self._services.get(user_id)
