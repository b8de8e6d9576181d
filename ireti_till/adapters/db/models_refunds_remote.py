"""Ledger table of cross-till refunds (migration ``0010_cross_till_refunds``).

One row per refund of a sale rung on another till, written (and committed) before the
reservation is asked of the back office: the sale as the server showed it, what was asked
(lines, and the amount per payment), and where the reservation stands. The settle job
(``services/refund_remote.py``) drives ``reserving``/``release``/``confirm`` rows to
``released``/``confirmed``; ``refused`` is final (the server said IT-711)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base, UtcDateTime

__all__ = ["RemoteRefund"]

STATES = ("reserving", "refused", "release", "released", "confirm", "confirmed")


class RemoteRefund(Base):
    __tablename__ = "remote_refunds"
    __table_args__ = (
        CheckConstraint("state IN ('reserving', 'refused', 'release', 'released', 'confirm', "
                        "'confirmed')", name="remote_refund_state"),
        CheckConstraint("amount_minor > 0", name="remote_refund_positive"),
        Index("ix_remote_refunds_state", "state"),
        Index("ix_remote_refunds_sale", "sale_id"),
    )

    refund_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(String(36))
    origin_till: Mapped[str] = mapped_column(String(16))
    receipt_no: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    sale_json: Mapped[str] = mapped_column(Text)  # the sale as the back office showed it
    lines_json: Mapped[str] = mapped_column(Text)  # [[line_no, quantity], ...]
    legs_json: Mapped[str] = mapped_column(Text)  # [[tender_seq, amount_minor], ...]
    state: Mapped[str] = mapped_column(String(12))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
