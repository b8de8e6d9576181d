"""The sale screen's hooks for overrides and the audit trail (built by the composition root).

    gate = OverrideGate(OverridePrompt(overrides, lambda: session.current), rules,
                        parent=lambda: window, audit=record)
    window.controller.gate = gate

``require(kind, amount, reason, sale_id)`` shows the supervisor PIN dialog right there and
returns the recorded ``Approval``; when nobody approves it raises ``AuthorisationError``
(IT-437), which the calling dialog shows, so nothing changes. ``discount_needs_approval``
applies the store's ``DiscountThreshold`` (an amount off counts as a percentage of what it
is taken from, too). ``audit(kind, details)`` records ids and amounts (voids, drawer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from uuid import UUID

from PySide6.QtWidgets import QApplication, QWidget

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind, OverrideRules
from ireti_till.ui.staff.override_dialog import OverridePrompt

AuditHook = Callable[[str, Mapping[str, str | int]], None]

NOT_APPROVED = "IT-437"


class OverrideGate:
    def __init__(self, prompt: OverridePrompt, rules: OverrideRules,
                 parent: Callable[[], QWidget | None], audit: AuditHook | None = None) -> None:
        self._prompt = prompt
        self.rules = rules
        self._parent = parent
        self._audit = audit

    def require(self, kind: OverrideKind, amount: Money | None, reason: str,
                sale_id: UUID | None = None) -> Approval:
        parent = self._parent()
        active = QApplication.activeModalWidget()
        approval = self._prompt.request_override(active or parent, kind, amount, reason,
                                                 sale_id)
        if approval is None:
            raise AuthorisationError(f"{kind.label} needs a supervisor's PIN; nobody approved "
                                     "it, so nothing was changed", code=NOT_APPROVED)
        return approval

    def discount_needs_approval(self, percent: Decimal | None, amount: Money | None,
                                base: Money) -> bool:
        threshold = self.rules.discount
        if threshold.exceeded(percent=percent, amount=amount):
            return True
        if amount is not None and base.minor > 0:
            equivalent = Decimal(amount.minor) * 100 / Decimal(base.minor)
            return threshold.exceeded(percent=equivalent)
        return False

    def audit(self, kind: str, details: Mapping[str, str | int]) -> None:
        if self._audit is not None:
            self._audit(kind, details)
