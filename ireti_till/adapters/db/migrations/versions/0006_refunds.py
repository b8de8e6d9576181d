"""Refunds: the refund, its legs per payment, the lines returned (append-only, triggers).

Revision ID: 0006_refunds
Revises: 0005_merge_features
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006_refunds"
down_revision: str | None = "0005_merge_features"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.String(27)  # fixed-width UTC text (base.UtcDateTime)
_TABLES = ("refunds", "refund_legs", "refund_lines")


def _col(name: str, type_: Any, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "refunds",
        _col("id", sa.String(36)), _col("till_id", sa.String(16)),
        _col("refund_no", sa.Integer()), _col("sale_id", sa.String(36), True),
        _col("currency", sa.String(3)), _col("amount_minor", sa.Integer()),
        _col("reason", sa.String(200)), _col("requester_id", sa.String(64)),
        _col("approver_id", sa.String(64), True), _col("override_id", sa.String(36), True),
        _col("receipt", sa.Boolean()), _col("rules", sa.String(500)), _col("created_at", _TS),
        sa.CheckConstraint("amount_minor > 0", name="ck_refunds_refund_positive"),
        sa.CheckConstraint("refund_no > 0", name="ck_refunds_refund_no_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
    )
    op.create_index("uq_refunds_till_no", "refunds", ["till_id", "refund_no"], unique=True)
    op.create_index("uq_refunds_override", "refunds", ["override_id"], unique=True)
    op.create_index("ix_refunds_sale", "refunds", ["sale_id"])
    op.create_index("ix_refunds_requester_at", "refunds", ["requester_id", "created_at"])

    op.create_table(
        "refund_legs",
        _col("refund_id", sa.String(36)), _col("seq", sa.Integer()),
        _col("leg_id", sa.String(36)), _col("payment_ref", sa.String(64), True),
        _col("action", sa.String(12)),
        _col("currency", sa.String(3)), _col("amount_minor", sa.Integer()),
        _col("intent_id", sa.String(64), True), _col("card_brand", sa.String(20), True),
        _col("card_last4", sa.String(4), True), _col("op_id", sa.String(36), True),
        sa.CheckConstraint("amount_minor > 0", name="ck_refund_legs_leg_positive"),
        sa.CheckConstraint("action IN ('card_refund', 'card_cancel', 'cash_out')",
                           name="ck_refund_legs_leg_action"),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"],
                                name="fk_refund_legs_refund_id_refunds", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("refund_id", "seq", name="pk_refund_legs"),
        sa.UniqueConstraint("leg_id", name="uq_refund_legs_leg_id"),
    )
    op.create_index("ix_refund_legs_payment", "refund_legs", ["payment_ref"])

    op.create_table(
        "refund_lines",
        _col("refund_id", sa.String(36)), _col("line_no", sa.Integer()),
        _col("quantity", sa.Integer()), _col("currency", sa.String(3)),
        _col("amount_minor", sa.Integer()),
        sa.CheckConstraint("quantity > 0", name="ck_refund_lines_refund_line_quantity"),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"],
                                name="fk_refund_lines_refund_id_refunds", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("refund_id", "line_no", name="pk_refund_lines"),
    )
    for table in _TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    for table in _TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    op.drop_table("refund_lines")
    op.drop_index("ix_refund_legs_payment", table_name="refund_legs")
    op.drop_table("refund_legs")
    for name in ("ix_refunds_requester_at", "ix_refunds_sale", "uq_refunds_override",
                 "uq_refunds_till_no"):
        op.drop_index(name, table_name="refunds")
    op.drop_table("refunds")
