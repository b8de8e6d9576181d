"""The sale screen's hook for supervisor PINs and the audit trail (built by the staff UI).

    gate = OverrideGate(OverridePrompt(overrides, lambda: session.current),
                        parent=lambda: window, audit=record)
    window.controller.set_gate(gate)

The rules live in the services: a change that needs a supervisor raises
``ApprovalRequired`` (kind, role, amount). ``ask(need, reason, sale_id, then, refused)``
opens the PIN dialog over whatever dialog is open, without a nested event loop, and calls
``then(approval)`` once someone approved (the caller repeats the change with it), or
``refused(error)`` (IT-437 when the dialog was cancelled: nothing changes).
``ask_for(kind, amount, reason, then, refused)`` does the same for a kind the caller
names (the close guard), for the role the rules give it. ``audit(kind, details)``
records ids and amounts (the drawer opened for no sale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID

from PySide6.QtWidgets import QApplication, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, ApprovalRequired, OverrideKind, OverrideRules
from ireti_till.ui.staff.override_dialog import NOT_APPROVED, OverridePrompt, not_approved

__all__ = ["NOT_APPROVED", "AuditHook", "OverrideGate", "not_approved"]

AuditHook = Callable[[str, Mapping[str, str | int]], None]


class OverrideGate:
    def __init__(self, prompt: OverridePrompt, parent: Callable[[], QWidget | None],
                 audit: AuditHook | None = None,
                 rules: OverrideRules | None = None) -> None:
        self._prompt = prompt
        self._parent = parent
        self._audit = audit
        self._rules = rules or OverrideRules()

    def ask(self, need: ApprovalRequired, reason: str, sale_id: UUID | None,
            then: Callable[[Approval], None], refused: Callable[[TillError], None]) -> None:
        parent = QApplication.activeModalWidget() or self._parent()
        try:
            self._prompt.ask(parent, need.kind, need.amount, reason, sale_id, then,
                             lambda: refused(not_approved(need.kind)))
        except TillError as exc:  # nobody signed in, or the staff services failed
            refused(exc)

    def ask_for(self, kind: OverrideKind, amount: Money | None, reason: str,
                then: Callable[[Approval], None],
                refused: Callable[[TillError], None]) -> None:
        """``ask`` for ``kind`` (no sale), for the role the store's rules give it."""
        self.ask(ApprovalRequired(kind, self._rules.role_for(kind), amount), reason, None,
                 then, refused)

    def audit(self, kind: str, details: Mapping[str, str | int]) -> None:
        if self._audit is not None:
            self._audit(kind, details)
