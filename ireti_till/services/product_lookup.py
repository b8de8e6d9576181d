"""Finding the product behind a scan, a SKU or a search, through a (read) unit of work.

Order for a scanned code: a valid GTIN is looked up in its canonical form
(``gtin.normalise_gtin``); anything not found that way is tried as a SKU. Errors say
what to do next, and never echo a long digit string (it could be a card number).
"""

from __future__ import annotations

import logging

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.domain.gtin import is_gtin_shaped, is_valid_gtin, normalise_gtin
from ireti_till.domain.text import strip_controls
from ireti_till.services.ports import UnitOfWorkFactory

log = logging.getLogger("ireti_till.services.product_lookup")

MAX_SEARCH_RESULTS = 200
MAX_SEARCH_TEXT = 60


def sellable(product: Product) -> Product:
    """``product`` if it may be sold, else ``NotFoundError`` IT-111."""
    if not product.active:
        raise NotFoundError(
            f"{product.name} ({product.sku}) is no longer sold; ask a supervisor",
            code="IT-111",
        )
    return product


def by_code(uow_factory: UnitOfWorkFactory, code: str) -> Product:
    """The sellable product for a cleaned scan ``code`` (GTIN, else SKU)."""
    with uow_factory() as uow:
        product = uow.catalog.by_gtin(normalise_gtin(code)) if is_valid_gtin(code) else None
        if product is None:
            product = uow.catalog.by_sku(code)
    if product is not None:
        return sellable(product)
    if is_valid_gtin(code):
        log.info("unknown barcode %s", code)
        raise NotFoundError(
            f"Barcode {code} is not in the catalog; put the item aside or find it with F2",
            code="IT-110",
        )
    if is_gtin_shaped(code):
        normalise_gtin(code)  # raises the bad-check-digit error (IT-121)
    if code.isdigit():  # never echo long digit strings: they could be a card number
        raise InputError(
            f"That scan ({len(code)} digits) is neither a barcode nor a known SKU; "
            "scan again or find the item with F2",
            code="IT-120",
        )
    raise NotFoundError(
        f"No product with SKU '{code[:20]}'; scan again or find it with F2", code="IT-110"
    )


def by_sku(uow_factory: UnitOfWorkFactory, sku: str) -> Product:
    code = strip_controls(sku) if isinstance(sku, str) else ""
    with uow_factory() as uow:
        product = uow.catalog.by_sku(code) if code else None
    if product is None:
        raise NotFoundError(f"No product with SKU '{code[:20]}'", code="IT-110")
    return sellable(product)


def search(uow_factory: UnitOfWorkFactory, text: str, limit: int = 50) -> list[Product]:
    """Active products by name/SKU/GTIN prefix; empty or control-only text gives []."""
    query = strip_controls(text)[:MAX_SEARCH_TEXT] if isinstance(text, str) else ""
    if not query:
        return []
    limit = max(1, min(int(limit), MAX_SEARCH_RESULTS))
    with uow_factory() as uow:
        found = uow.catalog.search(query, limit)
    return [p for p in found if p.active][:limit]
