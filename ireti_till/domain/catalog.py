"""Catalog entries and tax rates (pure data; validation lives in gtin.py and text.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ireti_till.domain.money import Money


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A tax rate the store charges, e.g. ``TaxRate("S", "Standard 20%", Decimal("0.20"))``."""

    code: str
    name: str
    rate: Decimal  # 0.20 for 20 %; never a float


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    gtin: str | None  # normalised GTIN-8/12/13/14 digits with a valid check digit
    name: str
    unit_price: Money  # tax-inclusive or exclusive per StoreSettings.prices_include_tax
    tax_code: str
    active: bool = True
