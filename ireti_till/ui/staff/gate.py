"""The sale screen's hook for supervisor PINs and the audit trail (built by the staff UI).

    gate = OverrideGate(OverridePrompt(overrides, lambda: session.current),
                        parent=lambda: window, audit=record)
    window.controller.set_gate(gate)

The rules live in the services: a change that needs a supervisor raises
``ApprovalRequired`` (kind, role, amount). ``ask(need, reason, sale_id, then, refused)``
opens the PIN dialog over whatever dialog is open, without a nested event loop, and calls
``then(approval)`` once someone approved (the caller repeats the change with it), or
``refused(error)`` (IT-437 when the dialog was cancelled: nothing changes).
``require`` waits for the answer (``exec()``) for the two callers that still need a return
value (the close guard, the refund dialog). ``audit(kind, details)`` records ids and
amounts (the drawer opened for no sale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID

from PySide6.QtWidgets import QApplication, QWidget

from ireti_till.domain.errors import AuthorisationError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, ApprovalRequired, OverrideKind
from ireti_till.ui.staff.override_dialog import OverridePrompt

AuditHook = Callable[[str, Mapping[str, str | int]], None]

NOT_APPROVED = "IT-437"


def not_approved(kind: OverrideKind) -> AuthorisationError:
    return AuthorisationError(f"{kind.label} needs a supervisor's PIN; nobody approved it, "
                              "so nothing was changed", code=NOT_APPROVED)


class OverrideGate:
    def __init__(self, prompt: OverridePrompt, parent: Callable[[], QWidget | None],
                 audit: AuditHook | None = None) -> None:
        self._prompt = prompt
        self._parent = parent
        self._audit = audit

    def ask(self, need: ApprovalRequired, reason: str, sale_id: UUID | None,
            then: Callable[[Approval], None], refused: Callable[[TillError], None]) -> None:
        parent = QApplication.activeModalWidget() or self._parent()
        try:
            self._prompt.ask(parent, need.kind, need.amount, reason, sale_id, then,
                             lambda: refused(not_approved(need.kind)))
        except TillError as exc:  # nobody signed in, or the staff services failed
            refused(exc)

    def require(self, kind: OverrideKind, amount: Money | None, reason: str,
                sale_id: UUID | None = None) -> Approval:
        parent = QApplication.activeModalWidget() or self._parent()
        approval = self._prompt.request_override(parent, kind, amount, reason, sale_id)
        if approval is None:
            raise not_approved(kind)
        return approval

    def audit(self, kind: str, details: Mapping[str, str | int]) -> None:
        if self._audit is not None:
            self._audit(kind, details)
