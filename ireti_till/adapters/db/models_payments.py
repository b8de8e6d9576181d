"""Ledger tables for card payments: sales being tendered, attempts, the outbox, events seen.

- ``tender_sales``: a sale whose basket is committed but whose tenders are still being taken
  (split tender, card on the reader). It holds the frozen sale (lines, taxes, totals) as
  JSON, so a crash after a card was authorised never loses what the customer paid for: the
  recovery completes the sale from it. ``state`` is open -> completed | voided.
- ``tender_cash``: cash parts of a split tender, taken before the sale completes.
- ``card_attempts``: one row per card tender attempt (DESIGN §5), with its frozen
  PaymentIntent parameters and create key. ``intent_id`` is unique: one PI, one attempt.
- ``payment_outbox``: deferred Stripe operations (DESIGN §6); ``idem_key`` is unique.
- ``stripe_events_seen``: event ids already applied by the sweep (de-duplication).
- ``payment_settings``: this till's location and reader (not secrets).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base, UtcDateTime

__all__ = ["CardAttempt", "EventSeen", "OutboxRow", "PaymentSetting", "TenderCash", "TenderSale"]


class TenderSale(Base):
    __tablename__ = "tender_sales"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'completed', 'voided')", name="tender_sale_state"),
        CheckConstraint("total_minor > 0", name="total_positive"),
        Index("ix_tender_sales_state", "state"),
        Index("ix_tender_sales_shift_id", "shift_id"),
    )

    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))
    sale_json: Mapped[str] = mapped_column(Text)
    receipt_no: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    shift_id: Mapped[str | None] = mapped_column(String(36))  # stamped: 0012_loose_ends


class TenderCash(Base):
    __tablename__ = "tender_cash"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="cash_positive"),)

    sale_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tender_sales.sale_id", ondelete="RESTRICT"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_minor: Mapped[int] = mapped_column(Integer)
    tendered_minor: Mapped[int] = mapped_column(Integer)
    change_minor: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CardAttempt(Base):
    __tablename__ = "card_attempts"
    __table_args__ = (
        CheckConstraint(
            "state IN ('planned', 'intent_created', 'on_reader', 'declined', 'authorised', "
            "'captured', 'cancelled', 'needs_reconciliation')",
            name="attempt_state",
        ),
        CheckConstraint("amount_minor > 0", name="attempt_amount_positive"),
        Index("ix_card_attempts_state", "state"),
        Index("ix_card_attempts_sale", "sale_id"),
        Index("uq_card_attempts_intent", "intent_id", unique=True),
    )

    attempt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tender_sales.sale_id", ondelete="RESTRICT")
    )
    till_id: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(24))
    create_key: Mapped[str] = mapped_column(String(255), unique=True)
    params_json: Mapped[str] = mapped_column(Text)
    intent_id: Mapped[str | None] = mapped_column(String(64))
    reader_id: Mapped[str | None] = mapped_column(String(64))
    reader_try: Mapped[int] = mapped_column(Integer, default=0)
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    decline_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    capture_before: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    __tablename__ = "payment_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('capture', 'cancel', 'refund')", name="outbox_kind"),
        CheckConstraint(
            "state IN ('pending', 'reconcile', 'failed', 'done', 'resolved')", name="outbox_state"
        ),
        Index("ix_payment_outbox_due", "state", "next_at"),
        Index("uq_payment_outbox_key", "idem_key", unique=True),
    )

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    attempt_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("card_attempts.attempt_id", ondelete="RESTRICT")
    )
    sale_id: Mapped[str | None] = mapped_column(String(36))
    intent_id: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    params_json: Mapped[str] = mapped_column(Text)
    idem_key: Mapped[str] = mapped_column(String(255))
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    resolution: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventSeen(Base):
    __tablename__ = "stripe_events_seen"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(Integer)  # Stripe's Unix seconds
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentSetting(Base):
    __tablename__ = "payment_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
