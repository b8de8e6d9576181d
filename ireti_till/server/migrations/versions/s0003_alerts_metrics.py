"""The tills' active alerts (replaced per till by revision) and Prometheus scrape tokens.

Revision ID: s0003_alerts_metrics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003_alerts_metrics"
down_revision = "s0002_webhooks"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.add_column("tills", sa.Column("alerts_revision", sa.BigInteger(), server_default="0",
                                     nullable=False))
    op.create_table(
        "till_alerts",
        sa.Column("till_id", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("runbook", sa.String(length=200), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("received_at", TS, server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"], name=op.f("fk_till_alerts_till_id")),
        sa.PrimaryKeyConstraint("till_id", "rule", name=op.f("pk_till_alerts")),
    )
    op.create_table(
        "metrics_tokens",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metrics_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_metrics_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("metrics_tokens")
    op.drop_table("till_alerts")
    op.drop_column("tills", "alerts_revision")
