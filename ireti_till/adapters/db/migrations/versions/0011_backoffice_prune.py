"""Back-office feed retention: rows the server acknowledged may be pruned, never the others.

Revision ID: 0011_backoffice_prune
Revises: 0009_backoffice_feed
Create Date: 2026-12-05

``bo_feed``'s delete guard now refuses only rows without ``acked_at`` (an unacknowledged row is
the only copy the back office does not have yet); a partial index on ``acked_at`` lets the
prune job find the oldest acknowledged rows in small batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_backoffice_prune"
down_revision: str | None = "0010_cross_till_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD_ALL = ("CREATE TRIGGER bo_feed_no_delete BEFORE DELETE ON bo_feed BEGIN "
             "SELECT RAISE(ABORT, 'bo_feed is append-only: DELETE refused'); END")
GUARD_UNACKED = ("CREATE TRIGGER bo_feed_no_delete BEFORE DELETE ON bo_feed "
                 "WHEN OLD.acked_at IS NULL BEGIN "
                 "SELECT RAISE(ABORT, 'bo_feed: an unacknowledged row cannot be deleted'); END")


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS bo_feed_no_delete")
    op.execute(GUARD_UNACKED)
    op.create_index("ix_bo_feed_acked", "bo_feed", ["acked_at"],
                    sqlite_where=sa.text("acked_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_bo_feed_acked", table_name="bo_feed")
    op.execute("DROP TRIGGER IF EXISTS bo_feed_no_delete")
    op.execute(GUARD_ALL)
