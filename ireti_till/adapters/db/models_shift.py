"""Ledger tables of the trading day: shifts, cash movements and counts, Z reports, print jobs.

Migration ``0008_trading_day`` adds them, with triggers: ``cash_movements``,
``cash_counts`` and ``z_reports`` are append-only; a closed shift never changes and no shift
is deleted; print jobs change state but are never deleted. Sales and refunds carry the shift
they were made in (``shift_id``), stamped by an AFTER INSERT trigger from the till's open
shift when the writer did not set it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base, UtcDateTime

__all__ = ["CashCountRow", "CashMovementRow", "PrintJobRow", "ShiftRow", "ZReportRow"]


class ShiftRow(Base):
    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("state IN ('opening', 'open', 'closing', 'closed')", name="shift_state"),
        CheckConstraint("float_minor >= 0", name="float_not_negative"),
        Index("uq_shifts_one_live", "till_id", unique=True,
              sqlite_where=text("state <> 'closed'")),
        Index("ix_shifts_till_opened", "till_id", "opened_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    float_minor: Mapped[int] = mapped_column(Integer)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    counted_minor: Mapped[int | None] = mapped_column(Integer)
    expected_minor: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    approver_id: Mapped[str | None] = mapped_column(String(64))
    queued_card_accepted_by: Mapped[str | None] = mapped_column(String(64))


class CashMovementRow(Base):
    __tablename__ = "cash_movements"
    __table_args__ = (
        CheckConstraint("kind IN ('float', 'paid_in', 'paid_out', 'no_sale')",
                        name="movement_kind"),
        CheckConstraint("amount_minor >= 0", name="movement_not_negative"),
        Index("ix_cash_movements_shift", "shift_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("shifts.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CashCountRow(Base):
    __tablename__ = "cash_counts"
    __table_args__ = (
        CheckConstraint("purpose IN ('open', 'close')", name="count_purpose"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("denomination_minor > 0", name="denomination_positive"),
    )

    shift_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("shifts.id", ondelete="RESTRICT"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(8), primary_key=True)
    denomination_minor: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))


class ZReportRow(Base):
    __tablename__ = "z_reports"
    __table_args__ = (
        CheckConstraint("z_no > 0", name="z_no_positive"),
        Index("uq_z_reports_till_no", "till_id", "z_no", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[str] = mapped_column(String(16))
    z_no: Mapped[int] = mapped_column(Integer)
    shift_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("shifts.id", ondelete="RESTRICT"), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body_json: Mapped[str] = mapped_column(Text)


class PrintJobRow(Base):
    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'printed', 'failed', 'dropped')",
                        name="print_state"),
        CheckConstraint("channel IN ('printer', 'email')", name="print_channel"),
        Index("ix_print_jobs_state", "state", "created_at"),
        Index("ix_print_jobs_ref", "ref"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # receipt, refund, z, x, test, drawer
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str | None] = mapped_column(String(254))  # email address
    ref: Mapped[str] = mapped_column(String(64))  # receipt code, Z id...
    document: Mapped[str] = mapped_column(Text)  # the frozen document (JSON)
    copy: Mapped[bool] = mapped_column(Boolean)
    kick: Mapped[bool] = mapped_column(Boolean)  # open the drawer with this job
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
