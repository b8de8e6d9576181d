"""Stripe webhooks: received events (unique by id) and readers registered by tills.

Revision ID: s0002_webhooks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "s0002_webhooks"
down_revision = "s0001_initial"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB(astext_type=Text())
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("received_at", TS, server_default=NOW, nullable=False),
        sa.Column("processed_at", TS, nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("till_id", sa.String(length=16), nullable=True),
        sa.Column("reader_id", sa.String(length=255), nullable=True),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("payload", JSONB, nullable=False),
        sa.CheckConstraint("status IN ('routed', 'unrouted', 'ignored')",
                           name=op.f("ck_stripe_events_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_stripe_events_seq")),
    )
    op.create_index("ix_stripe_events_till_seq", "stripe_events", ["till_id", "seq"])
    op.create_index("ix_stripe_events_payment_intent", "stripe_events", ["payment_intent"])
    op.create_table(
        "till_readers",
        sa.Column("reader_id", sa.String(length=255), nullable=False),
        sa.Column("till_id", sa.String(length=16), nullable=False),
        sa.Column("updated_at", TS, server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"],
                                name=op.f("fk_till_readers_till_id")),
        sa.PrimaryKeyConstraint("reader_id", name=op.f("pk_till_readers")),
    )


def downgrade() -> None:
    op.drop_table("till_readers")
    op.drop_index("ix_stripe_events_payment_intent", table_name="stripe_events")
    op.drop_index("ix_stripe_events_till_seq", table_name="stripe_events")
    op.drop_table("stripe_events")
