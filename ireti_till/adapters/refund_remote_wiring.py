"""Build the cross-till refunds (``services/refund_remote.py``) for the composition root.

``RemoteSlot`` is made when F8 is wired, before the ledger may be open and before the back
office is known: ``slot()`` answers ``RemoteRefunds`` once the till is enrolled (the back-office
bundle is resolved), None otherwise; ``slot.settle`` is the worker job that confirms or
releases what a crash or a lost connection left on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.refunds_remote_repo import SqlRemoteRefundLog
from ireti_till.adapters.refund_wiring import SqlRefundUnitOfWorkFactory
from ireti_till.services.refund_remote import RemoteRefunds, SettleResult

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ireti_till.adapters.backoffice_wiring import Backoffice
    from ireti_till.services.refund_ports import RefundUnitOfWorkFactory
    from ireti_till.services.refunds import RefundService

SETTLE_EVERY_S = 30.0


class RemoteSlot:
    def __init__(self, engine: Callable[[], Engine], service: Callable[[], RefundService],
                 backoffice: Callable[[], Backoffice | None]) -> None:
        self._engine, self._service, self._backoffice = engine, service, backoffice
        self._built: RemoteRefunds | None = None

    def __call__(self) -> RemoteRefunds | None:
        bo = self._backoffice()
        if bo is None:
            return None
        if self._built is None:
            engine = self._engine()
            uow = cast("RefundUnitOfWorkFactory", SqlRefundUnitOfWorkFactory(engine))
            self._built = RemoteRefunds(self._service(), uow, lambda: bo.refunds,
                                        SqlRemoteRefundLog(engine), SystemClock())
        return self._built

    def settle(self) -> SettleResult | None:
        remote = self()
        return None if remote is None else remote.settle()
