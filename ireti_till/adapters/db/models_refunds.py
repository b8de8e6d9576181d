"""Ledger tables for refunds: the refund, its legs (one per payment) and the lines returned.

All three are append-only (UPDATE/DELETE triggers in migration ``0006_refunds``): a refund is
written once, in the same transaction as its outbox rows and its audit entry. The state of
a card leg is never stored here: it is read from the outbox row (``op_id``) the leg made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base, UtcDateTime

__all__ = ["Refund", "RefundLeg", "RefundLine"]


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="refund_positive"),
        CheckConstraint("refund_no > 0", name="refund_no_positive"),
        Index("uq_refunds_till_no", "till_id", "refund_no", unique=True),
        Index("uq_refunds_override", "override_id", unique=True),
        Index("ix_refunds_sale", "sale_id"),
        Index("ix_refunds_requester_at", "requester_id", "created_at"),
        Index("ix_refunds_shift_id", "shift_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[str] = mapped_column(String(16))
    refund_no: Mapped[int] = mapped_column(Integer)
    sale_id: Mapped[str | None] = mapped_column(String(36))  # None: without a receipt
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    requester_id: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[str | None] = mapped_column(String(64))
    override_id: Mapped[str | None] = mapped_column(String(36))
    receipt: Mapped[bool] = mapped_column(Boolean)
    rules: Mapped[str] = mapped_column(String(500))  # matrix rules that matched, "; "-joined
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    shift_id: Mapped[str | None] = mapped_column(String(36))  # stamped: 0008_trading_day


class RefundLeg(Base):
    __tablename__ = "refund_legs"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="leg_positive"),
        CheckConstraint("action IN ('card_refund', 'card_cancel', 'cash_out')",
                        name="leg_action"),
        Index("ix_refund_legs_payment", "payment_ref"),
    )

    refund_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("refunds.id", ondelete="RESTRICT"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the id Stripe sees for this leg (key ``<leg-id>:refund``, metadata ``refund_id``)
    leg_id: Mapped[str] = mapped_column(String(36), unique=True)
    payment_ref: Mapped[str | None] = mapped_column(String(64))  # attempt id / "cash:<seq>"
    action: Mapped[str] = mapped_column(String(12))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    intent_id: Mapped[str | None] = mapped_column(String(64))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    op_id: Mapped[str | None] = mapped_column(String(36))  # the outbox row of a card leg


class RefundLine(Base):
    __tablename__ = "refund_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="refund_line_quantity"),)

    refund_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("refunds.id", ondelete="RESTRICT"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
