"""Build the refund service on an open ledger (for the composition root, commands, tests).

One ``SqlPaymentUnitOfWork`` per use case carries ``sales``, ``payments``, ``refunds`` and
``audit`` (registered by ``refunds_repo`` / ``staff_repo``), so a refund, its outbox rows
and its audit entry are one commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ireti_till.adapters.config_file import AppConfig
    from ireti_till.domain.refund_policy import RefundMatrix
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.overrides import OverrideService
    from ireti_till.services.ports import Clock
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.services.refunds import RefundService


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
                         timezone: str = "") -> RefundService:
    """``timezone``: the shop's IANA zone (``[store] timezone``); the cashier's daily refund
    limit resets at its midnight ("" = this computer's zone)."""
    from ireti_till.services.refund_ports import RefundUnitOfWorkFactory
    from ireti_till.services.refunds import RefundService

    uow = cast(RefundUnitOfWorkFactory, SqlRefundUnitOfWorkFactory(engine))
    from zoneinfo import ZoneInfo

    return RefundService(uow, audit, clock, till_id, matrix, overrides,
                         on_committed=on_committed,
                         tz=ZoneInfo(timezone) if timezone else None)


def refund_service_on_first_use(engine: Callable[[], Engine], audit: Callable[[], AuditLog],
                                overrides: Callable[[], OverrideService], config: AppConfig,
                                on_committed: Callable[[RefundRecord], None],
                                ) -> Callable[[], RefundService]:
    """The F8 screen's service, built on the first F8 (the ledger may still be opening on
    a fast start), then the same one."""
    from ireti_till.adapters.clock import SystemClock

    built: list[RefundService] = []

    def service() -> RefundService:
        if not built:
            built.append(build_refund_service(
                engine(), audit(), overrides(), till_id=config.store.till_id,
                matrix=config.refunds(), clock=SystemClock(), on_committed=on_committed,
                timezone=config.store.timezone))
        return built[0]

    return service
