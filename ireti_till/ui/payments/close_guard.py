"""Closing the till with card work unsent asks for a supervisor (DESIGN §6), as Sign out does.

Captures, cancels and refunds waiting in the outbox are sent by this till's worker only
while it runs; closing it leaves them waiting (they are kept, and sent on the next start),
so a supervisor approves first (override ``sign_out_unsent``, recorded with the reason).

Guarded: Till ▸ Quit (Ctrl+Q; the action is re-pointed here) and the window's own close
button or Alt+F4 (a *spontaneous* close event, from the window system). A close the
program asks for itself (shutdown, tests) is not stopped. With no one able to approve
(staff sign-in not wired) the close goes ahead and the log says so.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QMainWindow

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind

log = logging.getLogger("ireti_till.ui")


class Gate(Protocol):
    def ask_for(self, kind: OverrideKind, amount: Money | None, reason: str,
                then: Callable[[Approval], None],
                refused: Callable[[TillError], None]) -> None: ...


class CloseGuard(QObject):
    def __init__(self, window: QMainWindow, gate: Callable[[], Gate | None],
                 unsent: Callable[[], int], refuse: Callable[[TillError], None]) -> None:
        super().__init__(window)
        self.window = window
        self._gate = gate
        self._unsent = unsent
        self._refuse = refuse
        self._approved = False
        self._asking = False  # the PIN dialog is open: a second close does not open another
        window.installEventFilter(self)
        quit_action = window.findChild(QAction, "action_quit")
        if quit_action is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # nothing connected
                quit_action.triggered.disconnect()
            quit_action.triggered.connect(lambda _checked=False: self.quit())

    def approve(self) -> bool:
        """True when the till may close now: nothing unsent, or a supervisor approved.
        Otherwise the PIN dialog opens (``open()``, no nested event loop) and the window
        closes once someone approves (IT-437 on the message strip when nobody does)."""
        count = self._unsent()
        if count <= 0 or self._approved:
            return True
        gate = self._gate()
        if gate is None:
            log.warning("till closed with %d card operation(s) unsent; no one could approve",
                        count)
            return True
        if self._asking:
            return False
        self._asking = True

        def refused(exc: TillError) -> None:
            self._asking = False
            self._refuse(exc)

        def approved(_approval: Approval) -> None:
            self._asking = False
            log.info("till closed with %d card operation(s) unsent (supervisor approved)",
                     count)
            self._approved = True
            self.window.close()

        gate.ask_for(OverrideKind.SIGN_OUT_UNSENT, None,
                     f"Closing the till: {count} card operation(s) not sent yet", approved,
                     refused)
        return False

    def quit(self) -> bool:
        """Till ▸ Quit. True if the window closed now (False: waiting for a supervisor)."""
        if not self.approve():
            return False
        self._approved = True
        return bool(self.window.close())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.window and event.type() == QEvent.Type.Close
                and isinstance(event, QCloseEvent) and self.guards(event)):
            if not self.approve():
                event.ignore()
                return True
            self._approved = True
        return False

    @staticmethod
    def guards(event: QCloseEvent) -> bool:
        """Only a close from the window system (its close button, Alt+F4) is guarded."""
        return event.spontaneous()
