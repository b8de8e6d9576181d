"""Refunds (F8) wired on an open ledger: the service, and the screen on the sale window.

``build_refund_service(engine, staff_ctx, ...)`` is the composition used by the app and the
tests: one ``SqlPaymentUnitOfWork`` per use case, carrying ``sales``, ``payments``,
``refunds`` and ``audit`` (registered by ``refunds_repo`` / ``staff_repo``), so a refund, its
outbox rows and its audit entry are one commit. ``attach_refunds(till)`` (called from
``bootstrap/late.py``) puts the F8 screen on the sale window; a committed refund kicks the
sync worker's drain so card legs leave at once when online.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ireti_till.domain.refund_policy import RefundMatrix
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.overrides import OverrideService
    from ireti_till.services.ports import Clock
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.services.refunds import RefundService

log = logging.getLogger("ireti_till.app")


class SqlRefundUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        import ireti_till.adapters.db.refunds_repo  # noqa: F401  (registers uow.refunds)
        from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWork

        self.engine = engine
        self._cls = SqlPaymentUnitOfWork

    def __call__(self) -> Any:
        return self._cls(self.engine)


def build_refund_service(engine: Engine, audit: AuditLog, overrides: OverrideService | None,
                         *, till_id: str, matrix: RefundMatrix, clock: Clock,
                         on_committed: Callable[[RefundRecord], None] | None = None,
                         ) -> RefundService:
    from ireti_till.services.refund_ports import RefundUnitOfWorkFactory
    from ireti_till.services.refunds import RefundService

    uow = cast(RefundUnitOfWorkFactory, SqlRefundUnitOfWorkFactory(engine))
    return RefundService(uow, audit, clock, till_id, matrix, overrides,
                         on_committed=on_committed)


def attach_refunds(till: Any) -> Any:
    """F8 on the sale screen of an ``app.Till`` with staff (after the ledger is open)."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.ui.refunds.attach import attach_refund_screen
    from ireti_till.ui.staff.override_dialog import OverridePrompt

    staff = till.staff
    if staff is None:
        return None

    def kick(_record: object) -> None:
        worker = getattr(till.payments, "worker", None)
        if worker is not None:
            worker.request_drain()

    services = staff.services

    def build() -> RefundService:  # on the first F8: a fast start's ledger may still open
        return build_refund_service(
            till.ledger.engine, services.audit, services.overrides,
            till_id=till.config.store.till_id, matrix=till.config.refunds(),
            clock=SystemClock(), on_committed=kick)

    service = cast("RefundService", _Lazy(build, till.config.store.till_id))
    prompt = OverridePrompt(services.overrides, lambda: staff.current)
    till.refund_screen = attach_refund_screen(till.window, service, prompt.request_refund_approval,
                                lambda: staff.current, till.config.store,
                                till.data_dir / "receipts")
    return till.refund_screen


class _Lazy:
    """Builds the refund service on first use; ``till_id`` is known before."""

    def __init__(self, build: Callable[[], Any], till_id: str) -> None:
        self._build = build
        self._service: Any = None
        self.till_id = till_id

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._service is None:
            self._service = self._build()
        return getattr(self._service, name)
