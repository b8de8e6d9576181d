"""Card payments: sales being tendered, card attempts, the outbox, events seen, settings.

Revision ID: 0004_payments_outbox
Revises: 0001_core
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004_payments_outbox"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.String(27)  # fixed-width UTC text (base.UtcDateTime)


def _col(name: str, type_: Any, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tender_sales",
        _col("sale_id", sa.String(36)), _col("till_id", sa.String(16)),
        _col("currency", sa.String(3)), _col("total_minor", sa.Integer()),
        _col("state", sa.String(12)), _col("sale_json", sa.Text()),
        _col("receipt_no", sa.Integer(), True), _col("reason", sa.String(200), True),
        _col("created_at", _TS), _col("updated_at", _TS),
        sa.CheckConstraint("state IN ('open', 'completed', 'voided')",
                           name="ck_tender_sales_tender_sale_state"),
        sa.CheckConstraint("total_minor > 0", name="ck_tender_sales_total_positive"),
        sa.PrimaryKeyConstraint("sale_id", name="pk_tender_sales"),
    )
    op.create_index("ix_tender_sales_state", "tender_sales", ["state"])

    op.create_table(
        "tender_cash",
        _col("sale_id", sa.String(36)), _col("seq", sa.Integer()),
        _col("amount_minor", sa.Integer()), _col("tendered_minor", sa.Integer()),
        _col("change_minor", sa.Integer()), _col("created_at", _TS),
        sa.CheckConstraint("amount_minor > 0", name="ck_tender_cash_cash_positive"),
        sa.ForeignKeyConstraint(["sale_id"], ["tender_sales.sale_id"],
                                name="fk_tender_cash_sale_id_tender_sales", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("sale_id", "seq", name="pk_tender_cash"),
    )

    op.create_table(
        "card_attempts",
        _col("attempt_id", sa.String(36)), _col("sale_id", sa.String(36)),
        _col("till_id", sa.String(16)), _col("amount_minor", sa.Integer()),
        _col("currency", sa.String(3)), _col("state", sa.String(24)),
        _col("create_key", sa.String(255)), _col("params_json", sa.Text()),
        _col("intent_id", sa.String(64), True), _col("reader_id", sa.String(64), True),
        _col("reader_try", sa.Integer()), _col("card_brand", sa.String(20), True),
        _col("card_last4", sa.String(4), True), _col("decline_code", sa.String(64), True),
        _col("reason", sa.String(500), True), _col("capture_before", _TS, True),
        _col("created_at", _TS), _col("updated_at", _TS),
        sa.CheckConstraint(
            "state IN ('planned', 'intent_created', 'on_reader', 'declined', 'authorised', "
            "'captured', 'cancelled', 'needs_reconciliation')",
            name="ck_card_attempts_attempt_state"),
        sa.CheckConstraint("amount_minor > 0", name="ck_card_attempts_attempt_amount_positive"),
        sa.ForeignKeyConstraint(["sale_id"], ["tender_sales.sale_id"],
                                name="fk_card_attempts_sale_id_tender_sales",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("attempt_id", name="pk_card_attempts"),
        sa.UniqueConstraint("create_key", name="uq_card_attempts_create_key"),
    )
    op.create_index("ix_card_attempts_state", "card_attempts", ["state"])
    op.create_index("ix_card_attempts_sale", "card_attempts", ["sale_id"])
    op.create_index("uq_card_attempts_intent", "card_attempts", ["intent_id"], unique=True)

    op.create_table(
        "payment_outbox",
        _col("op_id", sa.String(36)), _col("kind", sa.String(12)),
        _col("attempt_id", sa.String(36), True), _col("sale_id", sa.String(36), True),
        _col("intent_id", sa.String(64), True), _col("amount_minor", sa.Integer(), True),
        _col("currency", sa.String(3), True), _col("params_json", sa.Text()),
        _col("idem_key", sa.String(255)), _col("key_generation", sa.Integer()),
        _col("state", sa.String(12)), _col("tries", sa.Integer()), _col("next_at", _TS),
        _col("last_error", sa.String(500), True), _col("resolution", sa.String(500), True),
        _col("created_at", _TS), _col("updated_at", _TS),
        sa.CheckConstraint("kind IN ('capture', 'cancel', 'refund')",
                           name="ck_payment_outbox_outbox_kind"),
        sa.CheckConstraint("state IN ('pending', 'reconcile', 'failed', 'done', 'resolved')",
                           name="ck_payment_outbox_outbox_state"),
        sa.ForeignKeyConstraint(["attempt_id"], ["card_attempts.attempt_id"],
                                name="fk_payment_outbox_attempt_id_card_attempts",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("op_id", name="pk_payment_outbox"),
    )
    op.create_index("ix_payment_outbox_due", "payment_outbox", ["state", "next_at"])
    op.create_index("uq_payment_outbox_key", "payment_outbox", ["idem_key"], unique=True)

    op.create_table(
        "stripe_events_seen",
        _col("event_id", sa.String(64)), _col("type", sa.String(64)),
        _col("created", sa.Integer()), _col("seen_at", _TS),
        sa.PrimaryKeyConstraint("event_id", name="pk_stripe_events_seen"),
    )

    op.create_table(
        "payment_settings",
        _col("name", sa.String(64)), _col("value", sa.String(255)),
        sa.PrimaryKeyConstraint("name", name="pk_payment_settings"),
    )


def downgrade() -> None:
    op.drop_table("payment_settings")
    op.drop_table("stripe_events_seen")
    op.drop_index("uq_payment_outbox_key", table_name="payment_outbox")
    op.drop_index("ix_payment_outbox_due", table_name="payment_outbox")
    op.drop_table("payment_outbox")
    op.drop_index("uq_card_attempts_intent", table_name="card_attempts")
    op.drop_index("ix_card_attempts_sale", table_name="card_attempts")
    op.drop_index("ix_card_attempts_state", table_name="card_attempts")
    op.drop_table("card_attempts")
    op.drop_table("tender_cash")
    op.drop_index("ix_tender_sales_state", table_name="tender_sales")
    op.drop_table("tender_sales")
