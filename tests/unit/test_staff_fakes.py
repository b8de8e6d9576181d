"""In-memory fakes of the staff ports, for the service unit tests (no tests here)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from ireti_till.domain.audit import ChainRow, parse_time_text
from ireti_till.domain.overrides import Approval
from ireti_till.domain.staff import LockState, Role, StaffMember
from ireti_till.services.audit import AuditLog
from ireti_till.services.overrides import OverrideService
from ireti_till.services.staff import StaffService
from ireti_till.services.staff_ports import AuditFilter


@dataclass
class Clock:
    at: datetime = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


class PlainHasher:
    """Salted SHA-256: fast and good enough to test the services' logic."""

    def __init__(self) -> None:
        self.verifications = 0

    def hash(self, pin: str) -> str:
        return "fake$" + hashlib.sha256(b"salt" + pin.encode()).hexdigest()

    def verify(self, pin: str, encoded: str) -> bool:
        self.verifications += 1
        return hmac.compare_digest(self.hash(pin), encoded)

    def needs_rehash(self, encoded: str) -> bool:
        return False


@dataclass
class Store:
    users: dict[str, tuple[StaffMember, str, datetime | None]] = field(default_factory=dict)
    locks: dict[str, LockState] = field(default_factory=dict)
    audit: list[ChainRow] = field(default_factory=list)
    overrides: list[Approval] = field(default_factory=list)


class StaffRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def add(self, member: StaffMember, pin_hash: str, now: datetime) -> None:
        self.s.users[member.user_id] = (member, pin_hash, None)

    def get(self, user_id: str) -> StaffMember | None:
        found = self.s.users.get(user_id)
        return None if found is None else found[0]

    def members(self, include_inactive: bool = True) -> list[StaffMember]:
        return [m for m, _, _ in self.s.users.values() if include_inactive or m.active]

    def credentials(self) -> list[tuple[StaffMember, str]]:
        return [(m, h) for m, h, _ in self.s.users.values() if m.active]

    def pin_hash(self, user_id: str) -> str | None:
        found = self.s.users.get(user_id)
        return None if found is None else found[1]

    def set_pin_hash(self, user_id: str, pin_hash: str, now: datetime) -> None:
        m, _, t = self.s.users[user_id]
        self.s.users[user_id] = (m, pin_hash, t)

    def set_active(self, user_id: str, active: bool, now: datetime) -> None:
        m, h, t = self.s.users[user_id]
        self.s.users[user_id] = (replace(m, active=active), h, t)

    def set_role(self, user_id: str, role: Role, now: datetime) -> None:
        m, h, t = self.s.users[user_id]
        self.s.users[user_id] = (replace(m, role=role), h, t)

    def touch_sign_in(self, user_id: str, now: datetime) -> None:
        m, h, _ = self.s.users[user_id]
        self.s.users[user_id] = (m, h, now)

    def count(self) -> int:
        return len(self.s.users)

    def lock_state(self, subject: str) -> LockState:
        return self.s.locks.get(subject, LockState())

    def save_lock_state(self, subject: str, state: LockState, now: datetime) -> None:
        self.s.locks[subject] = state


class AuditRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def head(self) -> tuple[int, str] | None:
        return (self.s.audit[-1].seq, self.s.audit[-1].link) if self.s.audit else None

    def append(self, row: ChainRow) -> None:
        self.s.audit.append(row)

    def rows(self, after_seq: int = 0) -> Iterator[ChainRow]:
        return iter([r for r in self.s.audit if r.seq > after_seq])

    def query(self, flt: AuditFilter) -> list[ChainRow]:
        out = [r for r in reversed(self.s.audit)
               if (flt.actor is None or r.actor == flt.actor)
               and (flt.kind is None or r.kind == flt.kind)
               and (flt.since is None or parse_time_text(r.at) >= flt.since)
               and (flt.until is None or parse_time_text(r.at) < flt.until)]
        return out[: flt.limit]

    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.s.audit})


class OverrideRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def add(self, approval: Approval) -> None:
        self.s.overrides.append(approval)

    def for_sale(self, sale_id: str) -> list[Approval]:
        return [a for a in self.s.overrides if str(a.sale_id) == sale_id]


class Uow:
    """Commits copy the working store over the committed one; no commit, no change."""

    def __init__(self, committed: Store) -> None:
        self._committed = committed

    def __enter__(self) -> Self:
        c = self._committed
        self._work = Store(dict(c.users), dict(c.locks), list(c.audit), list(c.overrides))
        self.staff = StaffRepo(self._work)
        self.audit = AuditRepo(self._work)
        self.overrides = OverrideRepo(self._work)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        c, w = self._committed, self._work
        c.users, c.locks, c.audit, c.overrides = w.users, w.locks, w.audit, w.overrides


@dataclass
class World:
    store: Store
    clock: Clock
    hasher: PlainHasher
    audit: AuditLog
    staff: StaffService
    overrides: OverrideService

    def user(self, first_name: str) -> StaffMember:
        return next(m for m, _, _ in self.store.users.values()
                    if m.name.split()[0] == first_name)

    def kinds(self) -> list[str]:
        return [r.kind for r in self.store.audit]


def world(training: bool = True) -> World:
    store, clock, hasher = Store(), Clock(), PlainHasher()
    audit = AuditLog(lambda: Uow(store), b"k" * 32, clock)
    staff = StaffService(lambda: Uow(store), hasher, clock, audit, till_id="T01",
                         training=training)
    overrides = OverrideService(lambda: Uow(store), staff, audit, clock)
    w = World(store, clock, hasher, audit, staff, overrides)
    staff.ensure_demo_staff()
    return w
