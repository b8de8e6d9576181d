"""Shift repository: shifts (state by compare-and-set), cash movements, counts, Z reports.

Found as ``uow.shifts`` in every unit of work once this module is imported (the
composition root imports it; so do the tests). Rows leave as frozen domain objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Row, Table, func, insert, select, text, update
from sqlalchemy.engine import Connection

from ireti_till.adapters.db import models_shift as m
from ireti_till.adapters.db.shift_totals import shift_totals
from ireti_till.adapters.db.uow import register_repository
from ireti_till.domain.money import Money
from ireti_till.domain.shift import CashCount, CashMovement, MovementKind, Shift, ShiftState
from ireti_till.domain.zreport import ZReport

shifts: Final = cast(Table, m.ShiftRow.__table__)
movements: Final = cast(Table, m.CashMovementRow.__table__)
counts: Final = cast(Table, m.CashCountRow.__table__)
zreports: Final = cast(Table, m.ZReportRow.__table__)


def _shift(r: Row[Any]) -> Shift:
    cur = r.currency

    def opt(v: int | None) -> Money | None:
        return None if v is None else Money(v, cur)

    return Shift(shift_id=r.id, till_id=r.till_id, state=ShiftState(r.state), currency=cur,
                 opened_by=r.opened_by, opened_at=r.opened_at,
                 float_amount=Money(r.float_minor, cur), closed_by=r.closed_by,
                 closed_at=r.closed_at, counted=opt(r.counted_minor),
                 expected=opt(r.expected_minor), reason=r.reason, approver=r.approver_id,
                 queued_card_accepted_by=r.queued_card_accepted_by)


class SqlShiftRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # shifts ----------------------------------------------------------------------------
    def live(self, till_id: str) -> Shift | None:
        row = self._conn.execute(select(shifts).where(
            shifts.c.till_id == till_id, shifts.c.state != "closed")).first()
        return None if row is None else _shift(row)

    def get(self, shift_id: str) -> Shift | None:
        row = self._conn.execute(select(shifts).where(shifts.c.id == shift_id)).first()
        return None if row is None else _shift(row)

    def last_closed(self, till_id: str) -> Shift | None:
        row = self._conn.execute(
            select(shifts).where(shifts.c.till_id == till_id, shifts.c.state == "closed")
            .order_by(shifts.c.closed_at.desc()).limit(1)).first()
        return None if row is None else _shift(row)

    def between(self, start: datetime, end: datetime) -> list[Shift]:
        rows = self._conn.execute(select(shifts).where(
            shifts.c.opened_at >= start, shifts.c.opened_at < end).order_by(shifts.c.opened_at))
        return [_shift(r) for r in rows]

    def add(self, shift: Shift) -> None:
        self._conn.execute(insert(shifts).values(
            id=shift.shift_id, till_id=shift.till_id, state=shift.state.value,
            currency=shift.currency, opened_by=shift.opened_by, opened_at=shift.opened_at,
            float_minor=shift.float_amount.minor))

    def move(self, shift_id: str, expected: ShiftState, new: ShiftState,
             **fields: Any) -> bool:
        """Compare-and-set the state (and any closing fields); False if the state moved."""
        done = self._conn.execute(update(shifts).where(
            shifts.c.id == shift_id, shifts.c.state == expected.value,
        ).values(state=new.value, **fields))
        return done.rowcount == 1

    # cash ------------------------------------------------------------------------------
    def add_movement(self, mv: CashMovement) -> None:
        self._conn.execute(insert(movements).values(
            id=mv.movement_id, shift_id=mv.shift_id, kind=mv.kind.value,
            currency=mv.amount.currency, amount_minor=mv.amount.minor, reason=mv.reason,
            actor=mv.actor, approver_id=mv.approver, created_at=mv.at))

    def movements(self, shift_id: str | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> list[CashMovement]:
        q = select(movements).order_by(movements.c.created_at, movements.c.id)
        if shift_id is not None:
            q = q.where(movements.c.shift_id == shift_id)
        if start is not None:
            q = q.where(movements.c.created_at >= start)
        if end is not None:
            q = q.where(movements.c.created_at < end)
        return [CashMovement(r.id, r.shift_id, MovementKind(r.kind),
                             Money(r.amount_minor, r.currency), r.reason, r.actor,
                             r.approver_id, r.created_at) for r in self._conn.execute(q)]

    def add_count(self, shift_id: str, purpose: str, count: CashCount) -> None:
        rows = [{"shift_id": shift_id, "purpose": purpose, "denomination_minor": d,
                 "quantity": q, "currency": count.currency} for d, q in count.quantities]
        if rows:
            self._conn.execute(insert(counts), rows)

    def count(self, shift_id: str, purpose: str, currency: str) -> CashCount:
        rows = self._conn.execute(select(counts.c.denomination_minor, counts.c.quantity).where(
            counts.c.shift_id == shift_id, counts.c.purpose == purpose,
        ).order_by(counts.c.denomination_minor.desc())).all()
        return CashCount(currency, tuple((int(d), int(q)) for d, q in rows))

    def open_sales(self, till_id: str) -> int:
        """Sales of this till still being tendered (not completed, not voided)."""
        return int(self._conn.execute(text(
            "SELECT count(*) FROM tender_sales WHERE till_id = :till AND state = 'open'"),
            {"till": till_id}).scalar_one())

    # reports ---------------------------------------------------------------------------
    def totals(self, shift: Shift, now: datetime) -> ZReport:
        return shift_totals(self._conn, shift, now)

    def next_z_no(self, till_id: str) -> int:
        top = self._conn.execute(select(func.max(zreports.c.z_no)).where(
            zreports.c.till_id == till_id)).scalar()
        return int(top or 0) + 1

    def add_z(self, z_id: str, report: ZReport, at: datetime) -> None:
        assert report.z_no is not None
        self._conn.execute(insert(zreports).values(
            id=z_id, till_id=report.till_id, z_no=report.z_no, shift_id=report.shift_id,
            currency=report.currency, created_at=at, body_json=report.to_json()))

    def z_for(self, shift_id: str) -> ZReport | None:
        body = self._conn.execute(select(zreports.c.body_json).where(
            zreports.c.shift_id == shift_id)).scalar()
        return None if body is None else ZReport.from_json(body)

    def z_reports(self, start: datetime | None = None,
                  end: datetime | None = None) -> list[ZReport]:
        q = select(zreports.c.body_json).order_by(zreports.c.till_id, zreports.c.z_no)
        if start is not None:
            q = q.where(zreports.c.created_at >= start)
        if end is not None:
            q = q.where(zreports.c.created_at < end)
        return [ZReport.from_json(b) for (b,) in self._conn.execute(q)]


register_repository("shifts", SqlShiftRepository)
