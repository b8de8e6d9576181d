"""Core ledger: products, completed sales (lines, taxes, tenders), receipt counters.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _money(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def _sale_fk(table: str) -> sa.Column[str]:
    return sa.Column(
        "sale_id", sa.String(36),
        sa.ForeignKey("sales.id", name=f"fk_{table}_sale_id_sales", ondelete="RESTRICT"),
        nullable=False,
    )


#: Completed sales are append-only: the database itself refuses to edit or delete them
#: (corrections are new records, such as refunds, never changes to the old ones).
APPEND_ONLY = ("sales", "sale_lines", "sale_taxes", "sale_tenders")


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_fold", sa.String(120), nullable=False),
        _money("unit_price_minor"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tax_code", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_products_price_not_negative"),
        sa.CheckConstraint("length(currency) = 3", name="ck_products_currency_code"),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
        sa.UniqueConstraint("gtin", name="uq_products_gtin"),
    )
    op.create_index("ix_products_name_fold", "products", ["name_fold"])

    op.create_table(
        "receipt_counters",
        sa.Column("till_id", sa.String(16), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_no >= 0", name="ck_receipt_counters_last_no_not_negative"),
        sa.PrimaryKeyConstraint("till_id", name="pk_receipt_counters"),
    )

    op.create_table(
        "sales",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("till_id", sa.String(16), nullable=False),
        sa.Column("receipt_no", sa.Integer(), nullable=False),
        sa.Column("cashier", sa.String(64), nullable=False),
        sa.Column("started_at", sa.String(27), nullable=False),
        sa.Column("completed_at", sa.String(27), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("subtotal_minor"),
        _money("discount_total_minor"),
        _money("tax_total_minor"),
        _money("total_minor"),
        _money("change_minor"),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.CheckConstraint("receipt_no > 0", name="ck_sales_receipt_no_positive"),
        sa.CheckConstraint("length(currency) = 3", name="ck_sales_currency_code"),
        sa.PrimaryKeyConstraint("id", name="pk_sales"),
    )
    op.create_index("uq_sales_till_receipt", "sales", ["till_id", "receipt_no"], unique=True)
    op.create_index("ix_sales_completed_at", "sales", ["completed_at"])

    op.create_table(
        "sale_lines",
        _sale_fk("sale_lines"),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("unit_price_minor"),
        _money("list_price_minor"),
        _money("discount_minor"),
        _money("total_minor"),
        sa.Column("tax_code", sa.String(8), nullable=False),
        _money("tax_minor"),
        sa.Column("override_reason", sa.String(200), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.CheckConstraint("line_no > 0", name="ck_sale_lines_line_no_positive"),
        sa.PrimaryKeyConstraint("sale_id", "line_no", name="pk_sale_lines"),
    )

    op.create_table(
        "sale_taxes",
        _sale_fk("sale_taxes"),
        sa.Column("tax_code", sa.String(8), nullable=False),
        sa.Column("rate_text", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("net_minor"),
        _money("tax_minor"),
        _money("gross_minor"),
        sa.PrimaryKeyConstraint("sale_id", "tax_code", name="pk_sale_taxes"),
    )

    op.create_table(
        "sale_tenders",
        _sale_fk("sale_tenders"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("amount_minor"),
        _money("tendered_minor"),
        _money("change_minor"),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("card_brand", sa.String(20), nullable=True),
        sa.Column("card_last4", sa.String(4), nullable=True),
        sa.CheckConstraint("kind IN ('cash', 'card')", name="ck_sale_tenders_tender_kind"),
        sa.PrimaryKeyConstraint("sale_id", "seq", name="pk_sale_tenders"),
    )

    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )


def downgrade() -> None:
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for table in ("sale_tenders", "sale_taxes", "sale_lines", "sales", "receipt_counters"):
        op.drop_table(table)
    op.drop_index("ix_products_name_fold", table_name="products")
    op.drop_table("products")
