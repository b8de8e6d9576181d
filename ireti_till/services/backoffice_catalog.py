"""Pulling the store's catalog from the back office into the till's own catalog.

Online only when it runs; the till always sells from its local copy. Changes since the last
version the till applied are written through the catalog repository in one unit of work,
then the new version is remembered (a crash in between re-applies the same rows: upserts by
SKU are idempotent)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import BackofficeError, TillError
from ireti_till.domain.money import Money
from ireti_till.services.backoffice_ports import BackofficeApi, FeedStore
from ireti_till.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
VERSION = "catalog_version"
TAX_RATES = "catalog_tax_rates"


@dataclass(frozen=True, slots=True)
class CatalogPull:
    version: int
    products: int
    tax_rates: int


class BackofficeCatalog:
    def __init__(self, api: Callable[[], BackofficeApi | None], uow: UnitOfWorkFactory,
                 state: FeedStore) -> None:
        self._api, self._uow, self._state = api, uow, state

    def run_once(self) -> CatalogPull | None:
        """The periodic job: ``pull_once`` that logs instead of raising when offline."""
        try:
            return self.pull_once()
        except BackofficeError as exc:
            log.warning("catalog pull skipped: %s", exc)
            return None

    def pull_once(self) -> CatalogPull | None:
        """Apply the changes since the last pull; None when the till is not enrolled."""
        api = self._api()
        if api is None:
            return None
        since = int(self._state.get_state(VERSION) or 0)
        data = api.catalog(since)
        try:
            products = [Product(sku=p["sku"], gtin=p.get("gtin"), name=p["name"],
                                unit_price=Money(int(p["unit_price_minor"]), p["currency"]),
                                tax_code=p["tax_code"], active=bool(p["active"]))
                        for p in data["products"]]
        except (KeyError, TypeError, ValueError, TillError) as exc:
            raise BackofficeError(f"The back office sent a catalog row the till cannot use "
                                  f"({exc}); nothing was changed.", code="IT-730") from exc
        if products:
            with self._uow() as uow:
                uow.catalog.upsert_many(products)
                uow.commit()
        rates = data.get("tax_rates") or []
        if rates:
            known = json.loads(self._state.get_state(TAX_RATES) or "{}")
            known.update({r["tax_code"]: r["rate_text"] for r in rates})
            self._state.set_state(TAX_RATES, json.dumps(known, sort_keys=True))
        self._state.set_state(VERSION, str(int(data["version"])))
        log.info("catalog pulled: version %s, %d products", data["version"], len(products))
        return CatalogPull(int(data["version"]), len(products), len(rates))
