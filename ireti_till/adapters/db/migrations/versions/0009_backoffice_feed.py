"""Back-office feed: an append-only record of what the ledger records, filled by triggers.

Revision ID: 0009_backoffice_feed
Revises: 0008_trading_day
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ireti_till.adapters import backoffice_feed_triggers as feed

revision: str = "0009_backoffice_feed"
down_revision: str | None = "0008_trading_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bo_feed",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_key", sa.String(200), nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("wire_seq", sa.Integer(), nullable=True),
        sa.Column("acked_at", sa.String(27), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("uq_bo_feed_wire_seq", "bo_feed", ["wire_seq"], unique=True)
    op.create_index("ix_bo_feed_pending", "bo_feed", ["id"],
                    sqlite_where=sa.text("acked_at IS NULL"))
    op.create_table(
        "bo_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.execute("CREATE TRIGGER bo_feed_no_delete BEFORE DELETE ON bo_feed BEGIN "
               "SELECT RAISE(ABORT, 'bo_feed is append-only: DELETE refused'); END")
    op.execute("CREATE TRIGGER bo_feed_payload_fixed BEFORE UPDATE OF kind, item_key, at, "
               "payload ON bo_feed BEGIN "
               "SELECT RAISE(ABORT, 'bo_feed payloads are fixed: UPDATE refused'); END")
    conn = op.get_bind()
    for table in feed.FEED_SOURCES:
        feed.install(conn, table)


def downgrade() -> None:
    conn = op.get_bind()
    for table in feed.FEED_SOURCES:
        feed.uninstall(conn, table)
    op.execute("DROP TRIGGER IF EXISTS bo_feed_no_delete")
    op.execute("DROP TRIGGER IF EXISTS bo_feed_payload_fixed")
    op.drop_table("bo_state")
    op.drop_index("ix_bo_feed_pending", table_name="bo_feed")
    op.drop_index("uq_bo_feed_wire_seq", table_name="bo_feed")
    op.drop_table("bo_feed")
