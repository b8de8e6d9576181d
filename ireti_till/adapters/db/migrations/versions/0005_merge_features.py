"""Join the three feature branches (staff/audit, ops metrics, payments outbox) into one head.

The three revisions were written side by side, each on top of 0001_core; none depends on
another's tables. From here on the history is linear again: new revisions revise this one.

Revision ID: 0005_merge_features
Revises: 0002_staff_audit, 0003_ops_metrics, 0004_payments_outbox
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0005_merge_features"
down_revision: tuple[str, ...] = ("0002_staff_audit", "0003_ops_metrics", "0004_payments_outbox")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
