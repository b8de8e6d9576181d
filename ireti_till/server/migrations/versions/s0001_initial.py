"""The back office's first schema: stores, tills, feed, catalog, reservations, users, audit.

Revision ID: s0001_initial

Written out operation by operation (frozen at this revision): later changes to
``ireti_till/server/schema.py`` get their own revision, and a test checks that the schema
module and the migrations describe the same database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "s0001_initial"
down_revision = None
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB(astext_type=Text())
NOW = sa.text("now()")


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("catalog_version_seq")))
    op.create_table('audit',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', TS, server_default=NOW, nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('details', JSONB, nullable=False),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_audit'))
    )
    op.create_table('feed_flags',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('till_id', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('item_key', sa.String(length=200), nullable=False),
    sa.Column('payload', JSONB, nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('received_at', TS, server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_feed_flags'))
    )
    op.create_table('refund_reservations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_ref', sa.String(length=64), nullable=False),
    sa.Column('till_id', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', TS, server_default=NOW, nullable=False),
    sa.CheckConstraint("state IN ('reserved', 'confirmed', 'released')",
                       name=op.f('ck_refund_reservations_state')),
    sa.CheckConstraint('quantity > 0',
                       name=op.f('ck_refund_reservations_quantity')),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_refund_reservations')),
    sa.UniqueConstraint('refund_ref', 'line_no', name='uq_refund_reservations_ref_line')
    )
    op.create_table('refund_leg_reservations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('tender_seq', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('refund_ref', sa.String(length=64), nullable=False),
    sa.Column('till_id', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', TS, server_default=NOW, nullable=False),
    sa.CheckConstraint('amount_minor > 0',
                       name=op.f('ck_refund_leg_reservations_amount')),
    sa.CheckConstraint("state IN ('reserved', 'confirmed', 'released')",
                       name=op.f('ck_refund_leg_reservations_state')),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_refund_leg_reservations')),
    sa.UniqueConstraint('refund_ref', 'tender_seq', name='uq_refund_leg_reservations_ref_seq')
    )
    op.create_table('stores',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', TS, server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_stores'))
    )
    op.create_table('users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('created_at', TS, server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('name',
                       name=op.f('pk_users'))
    )
    op.create_table('products',
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tax_code', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('unit_price_minor >= 0',
                       name=op.f('ck_products_price')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                       name=op.f('fk_products_store_id')),
    sa.PrimaryKeyConstraint('store_id', 'sku',
                       name=op.f('pk_products'))
    )
    op.create_index('ix_products_store_version', 'products', ['store_id', 'version'], unique=False)
    op.create_table('sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('expires_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['user_name'], ['users.name'],
                       name=op.f('fk_sessions_user_name')),
    sa.PrimaryKeyConstraint('id_hash',
                       name=op.f('pk_sessions'))
    )
    op.create_table('tax_rates',
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('tax_code', sa.String(length=8), nullable=False),
    sa.Column('rate_text', sa.String(length=16), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                       name=op.f('fk_tax_rates_store_id')),
    sa.PrimaryKeyConstraint('store_id', 'tax_code',
                       name=op.f('pk_tax_rates'))
    )
    op.create_table('tills',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('enrol_code_hash', sa.String(length=64), nullable=True),
    sa.Column('enrol_expires_at', TS, nullable=True),
    sa.Column('enrolled_at', TS, nullable=True),
    sa.Column('revoked_at', TS, nullable=True),
    sa.Column('last_seen_at', TS, nullable=True),
    sa.Column('high_water', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('queue_depth', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_lag_s', sa.Float(), server_default='0', nullable=False),
    sa.Column('created_at', TS, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                       name=op.f('fk_tills_store_id')),
    sa.PrimaryKeyConstraint('id',
                       name=op.f('pk_tills')),
    sa.UniqueConstraint('token_hash',
                       name=op.f('uq_tills_token_hash'))
    )
    op.create_table('feed_items',
    sa.Column('till_id', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('item_key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('payload', JSONB, nullable=True),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('received_at', TS, server_default=NOW, nullable=False),
    sa.Column('lag_s', sa.Float(), server_default='0', nullable=False),
    sa.CheckConstraint("status IN ('ok', 'duplicate', 'flagged')",
                       name=op.f('ck_feed_items_status')),
    sa.ForeignKeyConstraint(['till_id'], ['tills.id'],
                       name=op.f('fk_feed_items_till_id')),
    sa.PrimaryKeyConstraint('till_id', 'seq',
                       name=op.f('pk_feed_items'))
    )
    op.create_index('ix_feed_items_kind_key', 'feed_items', ['kind', 'item_key'], unique=False)
    op.create_index('uq_feed_items_till_key', 'feed_items', ['till_id', 'item_key'], unique=True,
                    postgresql_where=sa.text("status = 'ok'"))


def downgrade() -> None:
    op.drop_index('uq_feed_items_till_key', table_name='feed_items',
                  postgresql_where=sa.text("status = 'ok'"))
    op.drop_index('ix_feed_items_kind_key', table_name='feed_items')
    op.drop_table('feed_items')
    op.drop_table('tills')
    op.drop_table('tax_rates')
    op.drop_table('sessions')
    op.drop_index('ix_products_store_version', table_name='products')
    op.drop_table('products')
    op.drop_table('users')
    op.drop_table('stores')
    op.drop_table('refund_reservations')
    op.drop_table('refund_leg_reservations')
    op.drop_table('feed_flags')
    op.drop_table('audit')
    op.execute(sa.schema.DropSequence(sa.Sequence("catalog_version_seq")))
