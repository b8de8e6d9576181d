"""Staff, lockouts, overrides and the append-only audit log (with UPDATE/DELETE triggers).

Revision ID: 0002_staff_audit
Revises: 0001_core
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_staff_audit"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.String(27)  # fixed-width UTC text (base.UtcDateTime)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("last_sign_in_at", _TS, nullable=True),
        sa.CheckConstraint("role IN ('cashier', 'supervisor', 'admin')",
                           name=op.f("ck_staff_users_staff_role")),
        sa.PrimaryKeyConstraint("user_id", name="pk_staff_users"),
    )
    op.create_table(
        "staff_lockouts",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("locked_until", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_staff_lockouts_failures_not_negative")),
        sa.PrimaryKeyConstraint("subject", name="pk_staff_lockouts"),
    )
    op.create_table(
        "overrides",
        sa.Column("override_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("requester_id", sa.String(36), nullable=False),
        sa.Column("approver_id", sa.String(36), nullable=False),
        sa.Column("approver_name", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("sale_id", sa.String(36), nullable=True),
        sa.Column("approved_at", _TS, nullable=False),
        sa.CheckConstraint("approver_id <> requester_id", name=op.f("ck_overrides_four_eyes")),
        sa.PrimaryKeyConstraint("override_id", name="pk_overrides"),
    )
    op.create_index("ix_overrides_sale_id", "overrides", ["sale_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("link", sa.String(64), nullable=False),
        sa.CheckConstraint("seq > 0", name=op.f("ck_audit_log_seq_positive")),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_kind", "audit_log", ["kind"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {action} refused'); END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_kind", table_name="audit_log")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_overrides_sale_id", table_name="overrides")
    op.drop_table("overrides")
    op.drop_table("staff_lockouts")
    op.drop_table("staff_users")
