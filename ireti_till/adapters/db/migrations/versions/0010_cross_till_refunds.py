"""Cross-till refunds: the local record of a refund of another till's sale, fed to the
back office (``remote_refund`` items: refund id, original till and receipt, state).

Revision ID: 0010_cross_till_refunds
Revises: 0009_backoffice_feed
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ireti_till.adapters import backoffice_feed_triggers as feed

revision: str = "0010_cross_till_refunds"
down_revision: str | None = "0009_backoffice_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.String(27)  # fixed-width UTC text (base.UtcDateTime)


def upgrade() -> None:
    op.create_table(
        "remote_refunds",
        sa.Column("refund_id", sa.String(36), primary_key=True),
        sa.Column("sale_id", sa.String(36), nullable=False),
        sa.Column("origin_till", sa.String(16), nullable=False),
        sa.Column("receipt_no", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("sale_json", sa.Text(), nullable=False),
        sa.Column("lines_json", sa.Text(), nullable=False),
        sa.Column("legs_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint("state IN ('reserving', 'refused', 'release', 'released', "
                           "'confirm', 'confirmed')", name="remote_refund_state"),
        sa.CheckConstraint("amount_minor > 0", name="remote_refund_positive"),
    )
    op.create_index("ix_remote_refunds_state", "remote_refunds", ["state"])
    op.create_index("ix_remote_refunds_sale", "remote_refunds", ["sale_id"])
    feed.install(op.get_bind(), "remote_refunds")  # the back office sees them (state too)


def downgrade() -> None:
    feed.uninstall(op.get_bind(), "remote_refunds")
    op.drop_index("ix_remote_refunds_sale", table_name="remote_refunds")
    op.drop_index("ix_remote_refunds_state", table_name="remote_refunds")
    op.drop_table("remote_refunds")
