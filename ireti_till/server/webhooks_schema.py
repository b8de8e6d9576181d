"""Tables of the Stripe webhook receiver (issue 15), on the back office's metadata.

``stripe_events`` keeps every verified event as received (the id is the primary key: a
replay cannot be stored twice); ``seq`` orders the per-till stream. ``till_readers`` maps a
Terminal reader to the till that registered it on its stream."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ireti_till.server.schema import TS, metadata

stripe_events = sa.Table(
    "stripe_events", metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("livemode", sa.Boolean, nullable=False),
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("processed_at", TS, nullable=True),
    sa.Column("status", sa.String(12), nullable=False),  # routed | unrouted | ignored
    sa.Column("till_id", sa.String(16), nullable=True),
    sa.Column("reader_id", sa.String(255), nullable=True),
    sa.Column("payment_intent", sa.String(255), nullable=True),
    sa.Column("payload", JSONB, nullable=False),
    sa.CheckConstraint("status IN ('routed', 'unrouted', 'ignored')", name="status"),
)
sa.Index("ix_stripe_events_till_seq", stripe_events.c.till_id, stripe_events.c.seq)
sa.Index("ix_stripe_events_payment_intent", stripe_events.c.payment_intent)

till_readers = sa.Table(
    "till_readers", metadata,
    sa.Column("reader_id", sa.String(255), primary_key=True),
    sa.Column("till_id", sa.String(16), sa.ForeignKey("tills.id"), nullable=False),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)
