"""``EarlyStaffService``: the sign-in screen before the full ledger has opened.

On an ordinary start the sign-in screen is the first screen. Everything it shows (the
staff names, whether a first administrator must be created, the training PINs) is a read
that a stdlib reader can answer (``adapters.db.fast_read_staff``); signing in (PIN check,
lockouts, audit) needs the real ``StaffService`` on the full ledger, which opens in the
background after the window is shown. This stand-in answers the reads from the reader
until ``attach(real)`` is called, then from the real service; every other call (``sign_in``,
``sign_out``, ``add_user``...) waits for ``attach`` (the sign-in screen runs the PIN check
on a helper thread, so a PIN typed in the first few hundred milliseconds waits there, not
on the screen) and then goes to the real service. If the ledger failed to open,
``fail(exc)`` makes those calls raise ``exc``: nobody signs in on a till that cannot write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from ireti_till.domain.errors import LedgerError
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.staff import DEMO_STAFF, DemoCredential, StaffService

#: How long a call waits for the ledger before giving up with IT-206 (start-up takes < 1 s).
WAIT_SECONDS = 30.0


class StaffListReader(Protocol):
    def members(self, include_inactive: bool = True) -> list[StaffMember]: ...
    def count(self) -> int: ...


class Later:
    """Forwards every public attribute to an object handed over later by ``attach``,
    waiting for it (at most ``wait_seconds``); after ``fail(exc)`` they raise ``exc``.
    For the audit log and override service the staff screens hold from the start."""

    def __init__(self, wait_seconds: float = WAIT_SECONDS,
                 on_wait: Callable[[], None] | None = None) -> None:
        """``on_wait`` runs before a call first waits (e.g. start opening the ledger now,
        if nothing has started it yet)."""
        self._wait = wait_seconds
        self._on_wait = on_wait
        self._ready = threading.Event()
        self._real: Any = None
        self._error: BaseException | None = None

    def attach(self, real: Any) -> None:
        """The full ledger is open: from now on every call goes to ``real``."""
        self._real = real
        self._ready.set()

    def fail(self, error: BaseException) -> None:
        """The full ledger did not open: calls that need it raise ``error``."""
        self._error = error
        self._ready.set()

    @property
    def attached(self) -> bool:
        return self._real is not None

    def real(self) -> Any:
        """The real object, waiting for it if the ledger is still opening."""
        if not self._ready.is_set() and self._on_wait is not None:
            self._on_wait()
        if not self._ready.wait(self._wait):
            raise LedgerError("The till is still opening its database. Try again in a "
                              "moment.", code="IT-206")
        if self._real is None:
            assert self._error is not None
            raise self._error
        return self._real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)


class EarlyStaffService(Later):
    def __init__(self, reader: StaffListReader, *, training: bool, till_id: str,
                 wait_seconds: float = WAIT_SECONDS,
                 on_wait: Callable[[], None] | None = None) -> None:
        super().__init__(wait_seconds, on_wait)
        self.training = training
        self.till_id = till_id
        self._reader = reader

    def attach(self, real: StaffService) -> None:
        super().attach(real)

    # --- the sign-in screen's reads ---------------------------------------------------
    def users(self, include_inactive: bool = True) -> list[StaffMember]:
        if self._real is not None:
            return self._real.users(include_inactive)
        return self._reader.members(include_inactive)

    def needs_first_admin(self) -> bool:
        if self._real is not None:
            return self._real.needs_first_admin()
        if self.training:  # as StaffService._no_admin
            return self._reader.count() == 0
        return not any(m.role is Role.ADMIN and not m.demo
                       for m in self._reader.members(False))

    def demo_credentials(self) -> tuple[DemoCredential, ...]:
        return DEMO_STAFF if self.training else ()
