"""``EarlyStaffService``: the sign-in screen before the full ledger has opened.

On an ordinary start the sign-in screen is the first screen. Everything it shows (the
staff names, whether a first administrator must be created, the training PINs) is a read
that a stdlib reader can answer (``adapters.db.fast_read_staff``); signing in (PIN check,
lockouts, audit) needs the real ``StaffService`` on the full ledger, which opens in the
background after the window is shown (``composition.fast_start``). The reads come from the
reader until ``attach(real)``, then from the real service; every other method waits for
``attach`` through a ``Deferred`` (the sign-in screen checks a PIN on a helper thread, so
a PIN typed in the first few hundred milliseconds waits there, not on the screen). After
``fail(exc)`` those methods raise ``exc``: nobody signs in on a till that cannot write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ireti_till.domain.staff import LockState, Role, StaffMember
from ireti_till.services.deferred import WAIT_SECONDS, Deferred
from ireti_till.services.staff import DEMO_STAFF, DemoCredential, StaffService


class StaffListReader(Protocol):
    def members(self, include_inactive: bool = True) -> list[StaffMember]: ...
    def count(self) -> int: ...


class EarlyStaffService:
    def __init__(self, reader: StaffListReader, *, training: bool, till_id: str,
                 wait_seconds: float = WAIT_SECONDS,
                 on_wait: Callable[[], None] | None = None) -> None:
        self.training = training
        self.till_id = till_id
        self._reader = reader
        self.real: Deferred[StaffService] = Deferred("staff services", on_wait=on_wait,
                                                     wait_seconds=wait_seconds)

    def attach(self, real: StaffService) -> None:
        """The full ledger is open: from now on every call goes to ``real``."""
        self.real.resolve(real)

    def fail(self, error: BaseException) -> None:
        """The full ledger did not open: calls that need it raise ``error``."""
        self.real.fail(error)

    @property
    def attached(self) -> bool:
        return self.real.peek() is not None

    # --- the sign-in screen's reads (no waiting) ----------------------------------------
    def users(self, include_inactive: bool = True) -> list[StaffMember]:
        real = self.real.peek()
        return real.users(include_inactive) if real else self._reader.members(include_inactive)

    def needs_first_admin(self) -> bool:
        real = self.real.peek()
        if real is not None:
            return real.needs_first_admin()
        if self.training:  # as StaffService._no_admin
            return self._reader.count() == 0
        return not any(m.role is Role.ADMIN and not m.demo
                       for m in self._reader.members(False))

    def demo_credentials(self) -> tuple[DemoCredential, ...]:
        return DEMO_STAFF if self.training else ()

    # --- everything else waits for the real service -------------------------------------
    def get(self, user_id: str) -> StaffMember:
        return self.real.get().get(user_id)

    def lock_state(self, user_id: str) -> LockState:
        return self.real.get().lock_state(user_id)

    def create_first_admin(self, name: str, pin: str) -> StaffMember:
        return self.real.get().create_first_admin(name, pin)

    def sign_in(self, pin: str, user_id: str | None = None) -> StaffMember:
        return self.real.get().sign_in(pin, user_id)

    def authenticate(self, pin: str, user_id: str | None, purpose: str) -> StaffMember:
        return self.real.get().authenticate(pin, user_id, purpose)

    def sign_out(self, member: StaffMember, reason: str = "sign_out") -> None:
        self.real.get().sign_out(member, reason)

    def lock_screen(self, member: StaffMember, reason: str = "lock") -> None:
        self.real.get().lock_screen(member, reason)

    def add_user(self, actor: StaffMember, name: str, role: Role, pin: str) -> StaffMember:
        return self.real.get().add_user(actor, name, role, pin)

    def set_active(self, actor: StaffMember, user_id: str, active: bool) -> None:
        self.real.get().set_active(actor, user_id, active)

    def reset_pin(self, actor: StaffMember, user_id: str, new_pin: str) -> None:
        self.real.get().reset_pin(actor, user_id, new_pin)

    def change_own_pin(self, member: StaffMember, old_pin: str, new_pin: str) -> None:
        self.real.get().change_own_pin(member, old_pin, new_pin)

    def unlock(self, actor: StaffMember, user_id: str) -> None:
        self.real.get().unlock(actor, user_id)
