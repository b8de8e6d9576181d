"""Overrides at the point of action: ask, approve with a second person's PIN, record.

``OverrideService.request(...)`` builds the request (the role it needs comes from the
store's ``OverrideRules``); ``approve(request, approver_id, pin)`` checks the approver's PIN
(a wrong one counts towards *their* lockout), checks they are another person with the
role, and records requester, approver, reason, amount and sale in the ``overrides`` table
and the audit log in one transaction. Refused attempts (own request, wrong role) are
audited too.

Refunds use the same path: the refund service asks ``RefundMatrix.decide`` who must
approve and, when ``decision.needs_approval(requester)``, calls ``request_refund`` here
(kind ``refund_above_limit``) with the decision's role and four-eyes flag.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from uuid import UUID

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import (
    Approval,
    OverrideKind,
    OverrideRequest,
    OverrideRules,
    check_approver,
)
from ireti_till.domain.refund_policy import RefundDecision
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.audit import AuditLog
from ireti_till.services.ports import Clock
from ireti_till.services.staff import StaffService
from ireti_till.services.staff_ports import StaffUnitOfWork


class OverrideService:
    def __init__(
        self,
        uow_factory: Callable[[], StaffUnitOfWork],
        staff: StaffService,
        audit: AuditLog,
        clock: Clock,
        rules: OverrideRules | None = None,
    ) -> None:
        self._uow = uow_factory
        self._staff = staff
        self._audit = audit
        self._clock = clock
        self.rules = rules or OverrideRules()

    def request(self, kind: OverrideKind, requester: StaffMember, reason: str,
                amount: Money | None = None, sale_id: UUID | None = None) -> OverrideRequest:
        return OverrideRequest(kind, requester, reason, amount, sale_id,
                               required_role=self.rules.role_for(kind))

    def request_refund(self, requester: StaffMember, decision: RefundDecision, reason: str,
                       amount: Money, sale_id: UUID | None) -> OverrideRequest:
        role = decision.approver_role or Role.SUPERVISOR
        return OverrideRequest(OverrideKind.REFUND_ABOVE_LIMIT, requester, reason, amount,
                               sale_id, required_role=role)

    def approvers(self, request: OverrideRequest) -> list[StaffMember]:
        """Who could approve: active, holding the role, not the requester (for the dialog)."""
        return [m for m in self._staff.users(include_inactive=False)
                if m.role.at_least(request.required_role)
                and m.user_id != request.requester.user_id]

    def approve(self, request: OverrideRequest, approver_id: str | None, pin: str) -> Approval:
        approver = self._staff.authenticate(pin, approver_id, purpose="override")
        try:
            check_approver(request, approver)
        except AuthorisationError as exc:
            self._audit.record("override_refused", approver.user_id, {
                **self._details(request), "approver_id": approver.user_id, "code": exc.code,
            })
            raise
        approval = Approval(
            override_id=uuid.uuid4(), kind=request.kind,
            requester_id=request.requester.user_id, approver_id=approver.user_id,
            approver_name=approver.name, reason=request.reason, amount=request.amount,
            sale_id=request.sale_id, approved_at=self._clock.now(),
        )
        with self._uow() as uow:
            uow.overrides.add(approval)
            self._audit.append(uow.audit, "override_approved", approver.user_id, {
                **self._details(request), "override_id": str(approval.override_id),
                "approver_id": approver.user_id,
            })
            uow.commit()
        return approval

    @staticmethod
    def _details(request: OverrideRequest) -> dict[str, str | int | None]:
        return {
            "override": request.kind.value,
            "requester_id": request.requester.user_id,
            "reason": request.reason,
            "amount_minor": None if request.amount is None else request.amount.minor,
            "currency": None if request.amount is None else request.amount.currency,
            "sale_id": None if request.sale_id is None else str(request.sale_id),
        }


def check_refund_approval(decision: RefundDecision, requester: StaffMember, amount: Money,
                          sale_id: UUID | None, approval: Approval | None) -> None:
    """For the refund service, right before it commits: is this refund covered?

    Raises unless no approval is needed, or ``approval`` is a refund approval for this
    requester and this sale of at least ``amount``. The refund row should store
    ``approval.override_id`` (unique) so one approval is never spent twice.
    """
    if not decision.needs_approval(requester):
        return
    if approval is None:
        raise AuthorisationError(
            f"This refund needs a {(decision.approver_role or Role.SUPERVISOR).value}'s PIN",
            code="IT-435")
    if (approval.kind is not OverrideKind.REFUND_ABOVE_LIMIT
            or approval.requester_id != requester.user_id
            or approval.sale_id != sale_id
            or approval.amount is None or approval.amount < amount):
        raise AuthorisationError("The approval given does not cover this refund",
                                 code="IT-436")
