"""Ports of the staff, override and audit services (Protocols; adapters implement them).

The ledger's ``SqlUnitOfWork`` carries ``staff``, ``audit`` and ``overrides`` once
``ireti_till.adapters.db.staff_repo`` is imported (it registers them), so any use case can
append its audit entry in its own transaction: ``audit_log.append(uow.audit, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from ireti_till.domain.audit import ChainRow
from ireti_till.domain.overrides import Approval
from ireti_till.domain.staff import LockState, Role, StaffMember


class PinHasher(Protocol):
    def hash(self, pin: str) -> str:
        """An encoded, salted, peppered hash that carries its own parameters."""
        ...

    def verify(self, pin: str, encoded: str) -> bool:
        """Constant-time check; False (never an exception) for a malformed ``encoded``."""
        ...

    def needs_rehash(self, encoded: str) -> bool: ...


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class StaffRepository(Protocol):
    def add(self, member: StaffMember, pin_hash: str, now: datetime) -> None: ...
    def get(self, user_id: str) -> StaffMember | None: ...
    def members(self, include_inactive: bool = True) -> list[StaffMember]:
        """Everyone, admins first then by name."""
        ...
    def credentials(self) -> list[tuple[StaffMember, str]]:
        """(member, PIN hash) of every *active* user, most recently signed in first."""
        ...
    def pin_hash(self, user_id: str) -> str | None: ...
    def set_pin_hash(self, user_id: str, pin_hash: str, now: datetime) -> None: ...
    def set_active(self, user_id: str, active: bool, now: datetime) -> None: ...
    def set_role(self, user_id: str, role: Role, now: datetime) -> None: ...
    def touch_sign_in(self, user_id: str, now: datetime) -> None: ...
    def count(self) -> int: ...
    def lock_state(self, subject: str) -> LockState:
        """The persisted failure count and lock of ``subject`` (a user id, or ``till:<id>``)."""
        ...
    def save_lock_state(self, subject: str, state: LockState, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    kind: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    limit: int = 1000


class AuditRepository(Protocol):
    """Append-only: there is no way to change or remove a row (and triggers refuse it)."""

    def head(self) -> tuple[int, str] | None:
        """(seq, link) of the last entry, or None for an empty log."""
        ...
    def append(self, row: ChainRow) -> None: ...
    def rows(self, after_seq: int = 0) -> Iterator[ChainRow]:
        """Every entry after ``after_seq`` in ``seq`` order, streamed in batches."""
        ...
    def query(self, flt: AuditFilter) -> list[ChainRow]:
        """Matching entries, newest first."""
        ...
    def kinds(self) -> list[str]: ...


class OverrideRepository(Protocol):
    def add(self, approval: Approval) -> None: ...
    def for_sale(self, sale_id: str) -> list[Approval]: ...


class AuditUnitOfWork(Protocol):
    audit: AuditRepository

    def __enter__(self) -> Self: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    def commit(self) -> None: ...


class StaffUnitOfWork(AuditUnitOfWork, Protocol):
    staff: StaffRepository
    overrides: OverrideRepository


class StaffUnitOfWorkFactory(Protocol):
    def __call__(self) -> StaffUnitOfWork: ...


class AuditAnchor(Protocol):
    """The last known head of the chain, kept outside the database (to detect truncation)."""

    def load(self) -> tuple[int, str] | None: ...
    def save(self, seq: int, link: str) -> None: ...
