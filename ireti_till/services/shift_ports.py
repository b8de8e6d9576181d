"""Ports of the trading-day services (Protocols; ``adapters/db/shift_repo.py`` implements them).

``SqlUnitOfWork`` carries ``shifts`` once ``ireti_till.adapters.db.shift_repo`` is imported,
``prints`` once ``ireti_till.adapters.db.print_repo`` is, and ``audit`` from the staff repo.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, Self

from ireti_till.domain.shift import CashCount, CashMovement, Shift, ShiftState
from ireti_till.domain.zreport import ZReport
from ireti_till.services.ports import UnitOfWork
from ireti_till.services.staff_ports import AuditRepository


class ShiftRepository(Protocol):
    def live(self, till_id: str) -> Shift | None: ...
    def get(self, shift_id: str) -> Shift | None: ...
    def last_closed(self, till_id: str) -> Shift | None: ...
    def between(self, start: datetime, end: datetime) -> list[Shift]: ...
    def add(self, shift: Shift) -> None: ...
    def move(self, shift_id: str, expected: ShiftState, new: ShiftState,
             **fields: Any) -> bool:
        """Compare-and-set of the state; False when someone else moved it first."""
        ...
    def add_movement(self, mv: CashMovement) -> None: ...
    def movements(self, shift_id: str | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> list[CashMovement]: ...
    def add_count(self, shift_id: str, purpose: str, count: CashCount) -> None: ...
    def count(self, shift_id: str, purpose: str, currency: str) -> CashCount: ...
    def open_sales(self, till_id: str) -> int: ...
    def totals(self, shift: Shift, now: datetime) -> ZReport: ...
    def next_z_no(self, till_id: str) -> int: ...
    def add_z(self, z_id: str, report: ZReport, at: datetime) -> None: ...
    def z_for(self, shift_id: str) -> ZReport | None: ...
    def z_reports(self, start: datetime | None = None,
                  end: datetime | None = None) -> list[ZReport]: ...


class ShiftUnitOfWork(UnitOfWork, Protocol):
    shifts: ShiftRepository

    def __enter__(self) -> Self: ...


class AuditingUnitOfWork(ShiftUnitOfWork, Protocol):
    audit: AuditRepository


ShiftUowFactory = Callable[[], ShiftUnitOfWork]


class AuditAppender(Protocol):
    """``AuditLog.append``: one entry inside the caller's transaction."""

    def append(self, repo: AuditRepository, kind: str, actor: str,
               details: dict[str, Any]) -> Any: ...


class DrawerPort(Protocol):
    """Opens the cash drawer (a kick pulse through the printer), after the commit."""

    def kick(self, reason: str) -> None: ...
