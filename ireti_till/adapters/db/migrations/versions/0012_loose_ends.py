"""Sales keep the shift of their tender: ``tender_sales.shift_id``, and the sale stamp
takes it first.

Revision ID: 0012_loose_ends
Revises: 0009_backoffice_feed
Create Date: 2026-12-05

A card sale's tender row is stamped with the till's live shift when the tender starts
(AFTER INSERT, as 0008 stamps sales). When the sale is completed (by the card, the cash part
of a split or crash recovery, possibly after that shift closed) the ``sales`` stamp takes the
tender's shift first and the live shift only for a sale without a tender row (cash). A
closed shift's stored Z never changes; ``shift_totals`` shows such late sales on the next
X/Z ("late from shift Zn").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_loose_ends"
down_revision: str | None = "0011_backoffice_prune"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "SELECT id FROM shifts WHERE till_id = NEW.till_id AND state IN ('open', 'closing')"
_TENDER = ("SELECT shift_id FROM tender_sales WHERE sale_id = NEW.id "
           "AND shift_id IS NOT NULL")


def _sales_stamp(source: str, when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS sales_stamp_shift")
    op.execute(
        "CREATE TRIGGER sales_stamp_shift AFTER INSERT ON sales "  # noqa: S608 - constants
        f"WHEN NEW.shift_id IS NULL AND {when} "
        f"BEGIN UPDATE sales SET shift_id = {source} WHERE id = NEW.id; END")


def upgrade() -> None:
    op.add_column("tender_sales", sa.Column("shift_id", sa.String(36), nullable=True))
    op.create_index("ix_tender_sales_shift_id", "tender_sales", ["shift_id"])
    op.execute(
        "CREATE TRIGGER tender_sales_stamp_shift AFTER INSERT ON tender_sales "  # noqa: S608
        f"WHEN NEW.shift_id IS NULL AND EXISTS ({_LIVE}) "
        f"BEGIN UPDATE tender_sales SET shift_id = ({_LIVE}) WHERE sale_id = NEW.sale_id; END")
    _sales_stamp(f"coalesce(({_TENDER}), ({_LIVE}))",
                 f"(EXISTS ({_TENDER}) OR EXISTS ({_LIVE}))")


def downgrade() -> None:
    _sales_stamp(f"({_LIVE})", f"EXISTS ({_LIVE})")
    op.execute("DROP TRIGGER IF EXISTS tender_sales_stamp_shift")
    op.drop_index("ix_tender_sales_shift_id", table_name="tender_sales")
    op.drop_column("tender_sales", "shift_id")
