"""Tables of staff, lockouts, overrides and the append-only audit log.

``audit_log`` is append-only: the code has no UPDATE or DELETE path for it, and the
migration adds SQLite triggers that abort any UPDATE or DELETE of its rows. Its ``at`` is
the exact UTC text the HMAC link covers, so it is a plain string here (not ``UtcDateTime``).
PINs are never stored: only ``pin_hash`` (see ``adapters/pin_hash.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import UtcDateTime
from ireti_till.adapters.db.models import Base

__all__ = ["AuditRow", "OverrideRow", "StaffLockout", "StaffUser"]


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('cashier', 'supervisor', 'admin')", name="staff_role"),
    )

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    pin_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StaffLockout(Base):
    """Failure count and lock per subject (a user id, or ``till:<id>`` for PIN-only sign-in)."""

    __tablename__ = "staff_lockouts"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OverrideRow(Base):
    __tablename__ = "overrides"
    __table_args__ = (
        CheckConstraint("approver_id <> requester_id", name="four_eyes"),
        Index("ix_overrides_sale_id", "sale_id"),
    )

    override_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[str] = mapped_column(String(36))
    approver_id: Mapped[str] = mapped_column(String(36))
    approver_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    sale_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("seq > 0", name="seq_positive"),
        Index("ix_audit_log_actor", "actor"),
        Index("ix_audit_log_kind", "kind"),
        Index("ix_audit_log_at", "at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(27))
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(64))
