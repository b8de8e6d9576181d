"""Repositories for staff, lockouts, overrides and the audit log (SQLAlchemy Core).

They hand out frozen domain values only. The audit repository has ``append`` and reads,
and nothing else: there is no UPDATE or DELETE of ``audit_log`` anywhere in the code (and
the migration's triggers abort one if anybody tries). Importing this module registers
``staff``, ``audit`` and ``overrides`` on every ``SqlUnitOfWork``, so any use case can write
its audit entry in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ireti_till.adapters.db import models_staff as m
from ireti_till.adapters.db.uow import SqlUnitOfWork, register_repository
from ireti_till.domain.audit import ChainRow, time_text
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind
from ireti_till.domain.staff import LockState, Role, StaffMember
from ireti_till.services.staff_ports import (
    AuditFilter,
    AuditRepository,
    OverrideRepository,
    StaffRepository,
)

users_t: Final = cast(Table, m.StaffUser.__table__)
locks_t: Final = cast(Table, m.StaffLockout.__table__)
overrides_t: Final = cast(Table, m.OverrideRow.__table__)
audit_t: Final = cast(Table, m.AuditRow.__table__)
_BATCH: Final = 5000


def _member(row: Any) -> StaffMember:
    return StaffMember(row.user_id, row.name, Role(row.role), bool(row.active), bool(row.demo))


_MEMBER_COLS: Final = (users_t.c.user_id, users_t.c.name, users_t.c.role, users_t.c.active,
                       users_t.c.demo)


class SqlStaffRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, member: StaffMember, pin_hash: str, now: datetime) -> None:
        self._conn.execute(insert(users_t).values(
            user_id=member.user_id, name=member.name, role=member.role.value,
            active=member.active, demo=member.demo, pin_hash=pin_hash,
            created_at=now, updated_at=now,
        ))

    def get(self, user_id: str) -> StaffMember | None:
        row = self._conn.execute(
            select(*_MEMBER_COLS).where(users_t.c.user_id == user_id)).first()
        return None if row is None else _member(row)

    def members(self, include_inactive: bool = True) -> list[StaffMember]:
        q = select(*_MEMBER_COLS)
        if not include_inactive:
            q = q.where(users_t.c.active.is_(True))
        found = [_member(r) for r in self._conn.execute(q)]
        return sorted(found, key=lambda s: (-s.role.rank, s.name.casefold()))

    def credentials(self) -> list[tuple[StaffMember, str]]:
        q = (select(*_MEMBER_COLS, users_t.c.pin_hash)
             .where(users_t.c.active.is_(True))
             .order_by(users_t.c.last_sign_in_at.desc().nulls_last(), users_t.c.name))
        return [(_member(r), r.pin_hash) for r in self._conn.execute(q)]

    def pin_hash(self, user_id: str) -> str | None:
        return cast(str | None, self._conn.execute(
            select(users_t.c.pin_hash).where(users_t.c.user_id == user_id)).scalar())

    def _update(self, user_id: str, now: datetime, **values: Any) -> None:
        self._conn.execute(update(users_t).where(users_t.c.user_id == user_id)
                           .values(updated_at=now, **values))

    def set_pin_hash(self, user_id: str, pin_hash: str, now: datetime) -> None:
        self._update(user_id, now, pin_hash=pin_hash)

    def set_active(self, user_id: str, active: bool, now: datetime) -> None:
        self._update(user_id, now, active=active)

    def set_role(self, user_id: str, role: Role, now: datetime) -> None:
        self._update(user_id, now, role=role.value)

    def touch_sign_in(self, user_id: str, now: datetime) -> None:
        self._conn.execute(update(users_t).where(users_t.c.user_id == user_id)
                           .values(last_sign_in_at=now))

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(users_t)).scalar_one())

    def lock_state(self, subject: str) -> LockState:
        row = self._conn.execute(select(locks_t).where(locks_t.c.subject == subject)).first()
        if row is None:
            return LockState()
        return LockState(row.failures, row.locked_until, bool(row.locked))

    def save_lock_state(self, subject: str, state: LockState, now: datetime) -> None:
        values = {"failures": state.failures, "locked": state.locked,
                  "locked_until": state.locked_until, "updated_at": now}
        stmt = sqlite_insert(locks_t).values(subject=subject, **values)
        self._conn.execute(stmt.on_conflict_do_update(index_elements=[locks_t.c.subject],
                                                      set_=values))


class SqlOverrideRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, approval: Approval) -> None:
        self._conn.execute(insert(overrides_t).values(
            override_id=str(approval.override_id), kind=approval.kind.value,
            requester_id=approval.requester_id, approver_id=approval.approver_id,
            approver_name=approval.approver_name, reason=approval.reason,
            amount_minor=None if approval.amount is None else approval.amount.minor,
            currency=None if approval.amount is None else approval.amount.currency,
            sale_id=None if approval.sale_id is None else str(approval.sale_id),
            approved_at=approval.approved_at,
        ))

    def for_sale(self, sale_id: str) -> list[Approval]:
        rows = self._conn.execute(select(overrides_t).where(overrides_t.c.sale_id == sale_id)
                                  .order_by(overrides_t.c.approved_at))
        return [Approval(
            UUID(r.override_id), OverrideKind(r.kind), r.requester_id, r.approver_id,
            r.approver_name, r.reason,
            None if r.amount_minor is None else Money(r.amount_minor, r.currency),
            None if r.sale_id is None else UUID(r.sale_id), r.approved_at,
        ) for r in rows]


def _chain_row(r: Any) -> ChainRow:
    return ChainRow(r.seq, r.at, r.kind, r.actor, r.details, r.link)


_AUDIT_COLS: Final = (audit_t.c.seq, audit_t.c.at, audit_t.c.kind, audit_t.c.actor,
                      audit_t.c.details, audit_t.c.link)


class SqlAuditRepository:
    """Append and read. No update, no delete (by design and by trigger)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def head(self) -> tuple[int, str] | None:
        row = self._conn.execute(select(audit_t.c.seq, audit_t.c.link)
                                 .order_by(audit_t.c.seq.desc()).limit(1)).first()
        return None if row is None else (int(row.seq), str(row.link))

    def append(self, row: ChainRow) -> None:
        self._conn.execute(insert(audit_t).values(
            seq=row.seq, at=row.at, kind=row.kind, actor=row.actor, details=row.details,
            link=row.link))

    def rows(self, after_seq: int = 0) -> Iterator[ChainRow]:
        """Keyset-paged in batches of 5000, so a million entries never sit in memory."""
        # The first statement through SQLAlchemy opens the unit of work's transaction, so
        # every page below reads the same snapshot; the pages themselves go straight to
        # the sqlite3 cursor (SQLAlchemy's row objects would double the cost).
        self._conn.exec_driver_sql("SELECT 1 FROM audit_log LIMIT 1")
        raw = self._conn.connection.driver_connection
        assert raw is not None
        last = after_seq
        while True:
            batch = raw.execute(
                "SELECT seq, at, kind, actor, details, link FROM audit_log "
                "WHERE seq > ? ORDER BY seq LIMIT ?", (last, _BATCH)).fetchall()
            if not batch:
                return
            for seq, at, kind, actor, details, link in batch:
                yield ChainRow(seq, at, kind, actor, details, link)
            last = batch[-1][0]

    def query(self, flt: AuditFilter) -> list[ChainRow]:
        q = select(*_AUDIT_COLS).order_by(audit_t.c.seq.desc()).limit(flt.limit)
        if flt.actor:
            q = q.where(audit_t.c.actor == flt.actor)
        if flt.kind:
            q = q.where(audit_t.c.kind == flt.kind)
        if flt.since is not None:
            q = q.where(audit_t.c.at >= time_text(flt.since))
        if flt.until is not None:
            q = q.where(audit_t.c.at < time_text(flt.until))
        return [_chain_row(r) for r in self._conn.execute(q)]

    def kinds(self) -> list[str]:
        return [str(k) for k in self._conn.execute(select(audit_t.c.kind).distinct())
                .scalars()]


register_repository("staff", SqlStaffRepository)
register_repository("overrides", SqlOverrideRepository)
register_repository("audit", SqlAuditRepository)


class SqlStaffUnitOfWork(SqlUnitOfWork):
    """The ledger's unit of work, typed with the staff repositories (registered above)."""

    staff: StaffRepository
    overrides: OverrideRepository
    audit: AuditRepository


class SqlStaffUnitOfWorkFactory:
    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only

    def __call__(self) -> SqlStaffUnitOfWork:
        return SqlStaffUnitOfWork(self.engine, read_only=self.read_only)
