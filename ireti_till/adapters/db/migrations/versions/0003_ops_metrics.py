"""Operations metrics: per-minute and per-hour histograms, counters and gauges.

Revision ID: 0003_ops_metrics
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_ops_metrics"
down_revision = "0001_core"
branch_labels = None
depends_on = None



def _key() -> tuple[sa.Column[str], sa.Column[int]]:
    return (
        sa.Column("resolution", sa.String(length=1), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
    )


def _resolution_check(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint("resolution IN ('m', 'h')", name=op.f(f"ck_{table}_resolution"))


def upgrade() -> None:
    op.create_table(
        "ops_metric_hist",
        *_key(),
        sa.Column("op", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        _resolution_check("ops_metric_hist"),
        sa.PrimaryKeyConstraint("resolution", "bucket", "op", name=op.f("pk_ops_metric_hist")),
    )
    for table, value_type in (
        ("ops_metric_counter", sa.Integer()),
        ("ops_metric_gauge", sa.Float()),
    ):
        op.create_table(
            table,
            *_key(),
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("labels", sa.String(length=200), nullable=False),
            sa.Column("value", value_type, nullable=False),
            _resolution_check(table),
            sa.PrimaryKeyConstraint(
                "resolution", "bucket", "name", "labels", name=op.f(f"pk_{table}")
            ),
        )


def downgrade() -> None:
    op.drop_table("ops_metric_gauge")
    op.drop_table("ops_metric_counter")
    op.drop_table("ops_metric_hist")
