"""The back office's tables (SQLAlchemy Core; created by the server's own Alembic)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData(naming_convention={
    "pk": "pk_%(table_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s", "ix": "ix_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})
TS = sa.DateTime(timezone=True)

stores = sa.Table(
    "stores", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)

tills = sa.Table(
    "tills", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("store_id", sa.String(32), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("enrol_code_hash", sa.String(64), nullable=True),
    sa.Column("enrol_expires_at", TS, nullable=True),
    sa.Column("enrolled_at", TS, nullable=True),
    sa.Column("revoked_at", TS, nullable=True),
    sa.Column("last_seen_at", TS, nullable=True),
    sa.Column("high_water", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("queue_depth", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_lag_s", sa.Float, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("alerts_revision", sa.BigInteger, nullable=False, server_default="0"),
)

feed_items = sa.Table(
    "feed_items", metadata,
    sa.Column("till_id", sa.String(16), sa.ForeignKey("tills.id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("item_key", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("payload", JSONB, nullable=True),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # ok | duplicate | flagged
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("lag_s", sa.Float, nullable=False, server_default="0"),
    sa.CheckConstraint("status IN ('ok', 'duplicate', 'flagged')", name="status"),
)
sa.Index("uq_feed_items_till_key", feed_items.c.till_id, feed_items.c.item_key, unique=True,
         postgresql_where=feed_items.c.status == "ok")
sa.Index("ix_feed_items_kind_key", feed_items.c.kind, feed_items.c.item_key)

feed_flags = sa.Table(
    "feed_flags", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("till_id", sa.String(16), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("item_key", sa.String(200), nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
)

catalog_version = sa.Sequence("catalog_version_seq", metadata=metadata)

products = sa.Table(
    "products", metadata,
    sa.Column("store_id", sa.String(32), sa.ForeignKey("stores.id"), primary_key=True),
    sa.Column("sku", sa.String(40), primary_key=True),
    sa.Column("gtin", sa.String(14), nullable=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("unit_price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("tax_code", sa.String(8), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.CheckConstraint("unit_price_minor >= 0", name="price"),
)
sa.Index("ix_products_store_version", products.c.store_id, products.c.version)

tax_rates = sa.Table(
    "tax_rates", metadata,
    sa.Column("store_id", sa.String(32), sa.ForeignKey("stores.id"), primary_key=True),
    sa.Column("tax_code", sa.String(8), primary_key=True),
    sa.Column("rate_text", sa.String(16), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

refund_reservations = sa.Table(
    "refund_reservations", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_id", sa.String(32), nullable=False),
    sa.Column("sale_id", sa.String(36), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("refund_ref", sa.String(64), nullable=False),
    sa.Column("till_id", sa.String(16), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),  # reserved | confirmed | released
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("refund_ref", "line_no", name="uq_refund_reservations_ref_line"),
    sa.CheckConstraint("quantity > 0", name="quantity"),
    sa.CheckConstraint("state IN ('reserved', 'confirmed', 'released')", name="state"),
)

refund_leg_reservations = sa.Table(
    "refund_leg_reservations", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_id", sa.String(32), nullable=False),
    sa.Column("sale_id", sa.String(36), nullable=False),
    sa.Column("tender_seq", sa.Integer, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("refund_ref", sa.String(64), nullable=False),
    sa.Column("till_id", sa.String(16), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("refund_ref", "tender_seq", name="uq_refund_leg_reservations_ref_seq"),
    sa.CheckConstraint("amount_minor > 0", name="amount"),
    sa.CheckConstraint("state IN ('reserved', 'confirmed', 'released')", name="state"),
)

users = sa.Table(
    "users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("details", JSONB, nullable=False),
)

# The Stripe webhook receiver (issue 15): ``stripe_events`` keeps every verified event as
# received (the id is the primary key: a replay cannot be stored twice); ``seq`` orders the
# per-till stream. ``till_readers`` maps a Terminal reader to the till that registered it.
stripe_events = sa.Table(
    "stripe_events", metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("livemode", sa.Boolean, nullable=False),
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("processed_at", TS, nullable=True),
    sa.Column("status", sa.String(12), nullable=False),  # routed | unrouted | ignored
    sa.Column("till_id", sa.String(16), nullable=True),
    sa.Column("reader_id", sa.String(255), nullable=True),
    sa.Column("payment_intent", sa.String(255), nullable=True),
    sa.Column("payload", JSONB, nullable=False),
    sa.CheckConstraint("status IN ('routed', 'unrouted', 'ignored')", name="status"),
)
sa.Index("ix_stripe_events_till_seq", stripe_events.c.till_id, stripe_events.c.seq)
sa.Index("ix_stripe_events_payment_intent", stripe_events.c.payment_intent)

till_readers = sa.Table(
    "till_readers", metadata,
    sa.Column("reader_id", sa.String(255), primary_key=True),
    sa.Column("till_id", sa.String(16), sa.ForeignKey("tills.id"), nullable=False),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)

# The tills' active alerts (issue 16), as each till last sent them: a till's set is replaced
# whole by a newer revision (``tills.alerts_revision``), never merged.
till_alerts = sa.Table(
    "till_alerts", metadata,
    sa.Column("till_id", sa.String(16), sa.ForeignKey("tills.id"), primary_key=True),
    sa.Column("rule", sa.String(40), primary_key=True),
    sa.Column("severity", sa.String(12), nullable=False),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("runbook", sa.String(200), nullable=False),
    sa.Column("since", TS, nullable=False),
    sa.Column("acknowledged_by", sa.String(64), nullable=True),
    sa.Column("acknowledged_at", TS, nullable=True),
    sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
)

# Prometheus scrape tokens (``ireti-till server metrics-token NAME``): only the hash is kept.
metrics_tokens = sa.Table(
    "metrics_tokens", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)
