"""The catalog per store: versioned rows tills pull with ``since``; admin edits are audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ireti_till.domain.errors import BackofficeError
from ireti_till.server.schema import audit, catalog_version, products, stores, tax_rates
from ireti_till.services.backoffice_tax import parse_rate_text

FIELDS = ("sku", "gtin", "name", "unit_price_minor", "currency", "tax_code", "active")


def changes_since(engine: Engine, store_id: str, since: int) -> dict[str, Any]:
    with engine.connect() as conn:
        prods = conn.execute(select(products).where(
            products.c.store_id == store_id, products.c.version > since)
            .order_by(products.c.version)).mappings().all()
        rates = conn.execute(select(tax_rates).where(
            tax_rates.c.store_id == store_id, tax_rates.c.version > since)).mappings().all()
    top = max([since, *(int(p["version"]) for p in prods), *(int(r["version"]) for r in rates)])
    return {"version": top,
            "products": [{k: p[k] for k in FIELDS} for p in prods],
            "tax_rates": [{"tax_code": r["tax_code"], "rate_text": r["rate_text"]}
                          for r in rates]}


def _check(p: dict[str, Any]) -> dict[str, Any]:
    sku, name, price = p.get("sku"), p.get("name"), p.get("unit_price_minor")
    currency, tax = p.get("currency"), p.get("tax_code")
    ok = (isinstance(sku, str) and 1 <= len(sku) <= 40 and isinstance(name, str)
          and 1 <= len(name) <= 120 and isinstance(price, int) and not isinstance(price, bool)
          and 0 <= price <= 99_999_999 and isinstance(currency, str) and len(currency) == 3
          and currency.isupper() and isinstance(tax, str) and 1 <= len(tax) <= 8)
    gtin = p.get("gtin") or None
    if not ok or (gtin is not None and not (isinstance(gtin, str) and gtin.isdigit()
                                             and len(gtin) in (8, 12, 13, 14))):
        raise BackofficeError("A product needs a SKU (1-40), a name (1-120), a price in minor "
                              "units (0-99999999), a currency like EUR and a tax code.",
                              code="IT-730")
    return {"sku": sku, "gtin": gtin, "name": name, "unit_price_minor": price,
            "currency": currency, "tax_code": tax, "active": bool(p.get("active", True))}


def upsert_product(engine: Engine, store_id: str, product: dict[str, Any], actor: str) -> int:
    row = _check(product)
    with engine.begin() as conn:
        version = int(conn.execute(select(catalog_version.next_value())).scalar_one())
        conn.execute(pg_insert(products).values(store_id=store_id, version=version, **row)
                     .on_conflict_do_update(index_elements=["store_id", "sku"],
                                            set_={**row, "version": version}))
        conn.execute(insert(audit).values(actor=actor, action="catalog.product",
                                          details={"store": store_id, **row}))
    return version


def set_tax_rate(engine: Engine, store_id: str, tax_code: str, rate_text: str,
                 actor: str) -> int:
    """Set a store's rate for ``tax_code`` ("20%", "5.5%"; IT-741 otherwise); tills pull it
    with the catalog and price their next sales with it."""
    rate_text = rate_text.strip()
    parse_rate_text(tax_code, rate_text)
    with engine.begin() as conn:
        if conn.execute(select(stores.c.id).where(stores.c.id == store_id)).first() is None:
            raise BackofficeError(f"No store {store_id[:32]!r}: enrol a till in it first.",
                                  code="IT-741")
        version = int(conn.execute(select(catalog_version.next_value())).scalar_one())
        conn.execute(pg_insert(tax_rates).values(store_id=store_id, tax_code=tax_code,
                                                 rate_text=rate_text, version=version)
                     .on_conflict_do_update(index_elements=["store_id", "tax_code"],
                                            set_={"rate_text": rate_text, "version": version}))
        conn.execute(insert(audit).values(actor=actor, action="catalog.tax_rate", details={
            "store": store_id, "tax_code": tax_code, "rate": rate_text}))
    return version


def list_products(engine: Engine, store_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(products).where(products.c.store_id == store_id)
                            .order_by(products.c.sku)).mappings().all()
    return [dict(r) for r in rows]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(products)).scalar_one())
