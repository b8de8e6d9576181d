"""The trading day: shifts, cash movements and counts, Z reports, print jobs; sales and
refunds stamped with their shift.

Revision ID: 0008_trading_day
Revises: 0006_refunds
Create Date: 2026-12-04

``sales`` and ``refunds`` stay append-only: their UPDATE triggers are re-created so the one
change they allow is stamping a NULL ``shift_id`` (every other column unchanged), which the
AFTER INSERT triggers here do from the till's live shift.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trading_day"
down_revision: str | None = "0006_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.String(27)  # fixed-width UTC text (base.UtcDateTime)
_APPEND_ONLY = ("cash_movements", "cash_counts", "z_reports")
_SALE_COLUMNS = ("id", "till_id", "receipt_no", "cashier", "started_at", "completed_at",
                 "currency", "subtotal_minor", "discount_total_minor", "tax_total_minor",
                 "total_minor", "change_minor", "training")
_REFUND_COLUMNS = ("id", "till_id", "refund_no", "sale_id", "currency", "amount_minor",
                   "reason", "requester_id", "approver_id", "override_id", "receipt", "rules",
                   "created_at")
_LIVE = "SELECT id FROM shifts WHERE till_id = NEW.till_id AND state IN ('open', 'closing')"


def _col(name: str, type_: Any, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def _stamping(table: str, columns: Sequence[str], old_message: str) -> None:
    """Allow only ``shift_id`` NULL -> value on ``table``; stamp it after each insert."""
    op.add_column(table, sa.Column("shift_id", sa.String(36), nullable=True))
    op.create_index(f"ix_{table}_shift_id", table, ["shift_id"])
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    op.execute(
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"WHEN NOT (OLD.shift_id IS NULL AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{old_message}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_stamp_shift AFTER INSERT ON {table} "  # noqa: S608 - constants
        f"WHEN NEW.shift_id IS NULL AND EXISTS ({_LIVE}) "
        f"BEGIN UPDATE {table} SET shift_id = ({_LIVE}) WHERE id = NEW.id; END"
    )


def upgrade() -> None:
    op.create_table(
        "shifts",
        _col("id", sa.String(36)), _col("till_id", sa.String(16)), _col("state", sa.String(8)),
        _col("currency", sa.String(3)), _col("opened_by", sa.String(64)),
        _col("opened_at", _TS), _col("float_minor", sa.Integer()),
        _col("closed_by", sa.String(64), True), _col("closed_at", _TS, True),
        _col("counted_minor", sa.Integer(), True), _col("expected_minor", sa.Integer(), True),
        _col("reason", sa.String(200), True), _col("approver_id", sa.String(64), True),
        _col("queued_card_accepted_by", sa.String(64), True),
        sa.CheckConstraint("state IN ('opening', 'open', 'closing', 'closed')",
                           name="ck_shifts_shift_state"),
        sa.CheckConstraint("float_minor >= 0", name="ck_shifts_float_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_shifts"),
    )
    op.create_index("uq_shifts_one_live", "shifts", ["till_id"], unique=True,
                    sqlite_where=sa.text("state <> 'closed'"))
    op.create_index("ix_shifts_till_opened", "shifts", ["till_id", "opened_at"])
    op.create_table(
        "cash_movements",
        _col("id", sa.String(36)), _col("shift_id", sa.String(36)), _col("kind", sa.String(8)),
        _col("currency", sa.String(3)), _col("amount_minor", sa.Integer()),
        _col("reason", sa.String(200)), _col("actor", sa.String(64)),
        _col("approver_id", sa.String(64), True), _col("created_at", _TS),
        sa.CheckConstraint("kind IN ('float', 'paid_in', 'paid_out', 'no_sale')",
                           name="ck_cash_movements_movement_kind"),
        sa.CheckConstraint("amount_minor >= 0", name="ck_cash_movements_movement_not_negative"),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"],
                                name="fk_cash_movements_shift_id_shifts", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_cash_movements"),
    )
    op.create_index("ix_cash_movements_shift", "cash_movements", ["shift_id"])
    op.create_table(
        "cash_counts",
        _col("shift_id", sa.String(36)), _col("purpose", sa.String(8)),
        _col("denomination_minor", sa.Integer()), _col("quantity", sa.Integer()),
        _col("currency", sa.String(3)),
        sa.CheckConstraint("purpose IN ('open', 'close')", name="ck_cash_counts_count_purpose"),
        sa.CheckConstraint("quantity >= 0", name="ck_cash_counts_quantity_not_negative"),
        sa.CheckConstraint("denomination_minor > 0",
                           name="ck_cash_counts_denomination_positive"),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"],
                                name="fk_cash_counts_shift_id_shifts", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("shift_id", "purpose", "denomination_minor",
                                name="pk_cash_counts"),
    )
    op.create_table(
        "z_reports",
        _col("id", sa.String(36)), _col("till_id", sa.String(16)), _col("z_no", sa.Integer()),
        _col("shift_id", sa.String(36)), _col("currency", sa.String(3)),
        _col("created_at", _TS), _col("body_json", sa.Text()),
        sa.CheckConstraint("z_no > 0", name="ck_z_reports_z_no_positive"),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"],
                                name="fk_z_reports_shift_id_shifts", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_z_reports"),
        sa.UniqueConstraint("shift_id", name="uq_z_reports_shift_id"),
    )
    op.create_index("uq_z_reports_till_no", "z_reports", ["till_id", "z_no"], unique=True)
    op.create_table(
        "print_jobs",
        _col("id", sa.String(36)), _col("kind", sa.String(12)), _col("channel", sa.String(8)),
        _col("target", sa.String(254), True), _col("ref", sa.String(64)),
        _col("document", sa.Text()), _col("copy", sa.Boolean()), _col("kick", sa.Boolean()),
        _col("state", sa.String(8)), _col("attempts", sa.Integer()),
        _col("last_error", sa.String(300), True), _col("created_at", _TS),
        _col("updated_at", _TS),
        sa.CheckConstraint("state IN ('pending', 'printed', 'failed', 'dropped')",
                           name="ck_print_jobs_print_state"),
        sa.CheckConstraint("channel IN ('printer', 'email')", name="ck_print_jobs_print_channel"),
        sa.PrimaryKeyConstraint("id", name="pk_print_jobs"),
    )
    op.create_index("ix_print_jobs_state", "print_jobs", ["state", "created_at"])
    op.create_index("ix_print_jobs_ref", "print_jobs", ["ref"])
    for table in _APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )
    for table in ("shifts", "print_jobs"):
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} are kept: DELETE refused'); END")
    op.execute("CREATE TRIGGER shifts_closed_frozen BEFORE UPDATE ON shifts "
               "WHEN OLD.state = 'closed' "
               "BEGIN SELECT RAISE(ABORT, 'a closed shift never changes'); END")
    _stamping("sales", _SALE_COLUMNS, "sales are append-only")
    _stamping("refunds", _REFUND_COLUMNS, "refunds is append-only: UPDATE refused")


def downgrade() -> None:
    for table, message in (("sales", "sales are append-only"),
                           ("refunds", "refunds is append-only: UPDATE refused")):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_shift")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.drop_index(f"ix_{table}_shift_id", table_name=table)
        op.drop_column(table, "shift_id")
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    op.execute("DROP TRIGGER IF EXISTS shifts_closed_frozen")
    for table in ("shifts", "print_jobs"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    for table in _APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for table in ("print_jobs", "z_reports", "cash_counts", "cash_movements", "shifts"):
        op.drop_table(table)
