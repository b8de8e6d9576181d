"""The back office's first schema: stores, tills, feed, catalog, reservations, users.

Revision ID: s0001_initial
"""

from __future__ import annotations

from alembic import op

from ireti_till.server.schema import metadata

revision = "s0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The schema module is frozen at this revision: later changes get their own revision.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
