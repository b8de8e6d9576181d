"""Tables of the core ledger: catalog, completed sales and the per-till receipt counter.

Money is stored as INTEGER minor units next to a TEXT currency column; times as fixed-width
UTC text (see ``base.UtcDateTime``). Rows never leave ``adapters/db``: repositories turn
them into frozen domain objects. Changing a table here needs a new Alembic revision in
``migrations/versions`` (``tests/integration/test_migrations.py`` checks they agree).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base, UtcDateTime

__all__ = ["Base", "Product", "ReceiptCounter", "Sale", "SaleLine", "SaleTax", "SaleTender"]


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_price_minor >= 0", name="price_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        Index("ix_products_name_fold", "name_fold"),
    )

    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_fold: Mapped[str] = mapped_column(String(120))  # casefolded name, for search
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    tax_code: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReceiptCounter(Base):
    """Last receipt number handed out per till; bumped in the sale's own transaction."""

    __tablename__ = "receipt_counters"
    __table_args__ = (CheckConstraint("last_no >= 0", name="last_no_not_negative"),)

    till_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer)


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (
        CheckConstraint("receipt_no > 0", name="receipt_no_positive"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        Index("uq_sales_till_receipt", "till_id", "receipt_no", unique=True),
        Index("ix_sales_completed_at", "completed_at"),
        Index("ix_sales_shift_id", "shift_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID text
    till_id: Mapped[str] = mapped_column(String(16))
    receipt_no: Mapped[int] = mapped_column(Integer)
    cashier: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    discount_total_minor: Mapped[int] = mapped_column(Integer)
    tax_total_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    change_minor: Mapped[int] = mapped_column(Integer)
    training: Mapped[bool] = mapped_column(Boolean)
    shift_id: Mapped[str | None] = mapped_column(String(36))  # stamped: 0008_trading_day


class SaleLine(Base):
    __tablename__ = "sale_lines"
    __table_args__ = (CheckConstraint("line_no > 0", name="line_no_positive"),)

    sale_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sales.id", ondelete="RESTRICT"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(40))
    gtin: Mapped[str | None] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    list_price_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    tax_code: Mapped[str] = mapped_column(String(8))
    tax_minor: Mapped[int] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(String(200))
    voided: Mapped[bool] = mapped_column(Boolean)


class SaleTax(Base):
    __tablename__ = "sale_taxes"

    sale_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sales.id", ondelete="RESTRICT"), primary_key=True
    )
    tax_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    rate_text: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    net_minor: Mapped[int] = mapped_column(Integer)
    tax_minor: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(Integer)


class SaleTender(Base):
    __tablename__ = "sale_tenders"
    __table_args__ = (CheckConstraint("kind IN ('cash', 'card')", name="tender_kind"),)

    sale_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sales.id", ondelete="RESTRICT"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    tendered_minor: Mapped[int] = mapped_column(Integer)
    change_minor: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(64))  # PaymentIntent id, never card data
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
