"""Pulling the store's catalog from the back office into the till's own catalog.

Online only when it runs; the till always sells from its local copy. Changes since the last
version the till applied are written through the catalog repository in one unit of work,
then the new version is remembered (a crash in between re-applies the same rows: upserts by
SKU are idempotent).

Tax rates (issue 14) are checked before anything is written (IT-741 refuses the whole pull),
kept in ``bo_state`` for ``TaxRateBook`` (the sale's pricing reads them), and every rate that
changed is recorded in the till's audit trail (``tax_rate_pulled``: code, old, new, version)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import BackofficeError, TillError
from ireti_till.domain.money import Money
from ireti_till.services.backoffice_ports import BackofficeApi, FeedStore
from ireti_till.services.backoffice_tax import TAX_RATES, parse_rate_text
from ireti_till.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
VERSION = "catalog_version"
AuditRecord = Callable[[str, str, Mapping[str, Any]], object]


@dataclass(frozen=True, slots=True)
class CatalogPull:
    version: int
    products: int
    tax_rates: int


class BackofficeCatalog:
    def __init__(self, api: Callable[[], BackofficeApi | None], uow: UnitOfWorkFactory,
                 state: FeedStore, audit: AuditRecord | None = None) -> None:
        self._api, self._uow, self._state = api, uow, state
        self._audit = audit

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
        rates = data.get("tax_rates") or []
        try:
            pulled = {str(r["tax_code"]): str(r["rate_text"]) for r in rates}
        except (KeyError, TypeError) as exc:
            raise BackofficeError("The back office sent a tax rate without a code or rate; "
                                  "nothing was changed.", code="IT-741") from exc
        for code, text in pulled.items():
            parse_rate_text(code, text)  # IT-741 before anything is written
        if products:
            with self._uow() as uow:
                uow.catalog.upsert_many(products)
                uow.commit()
        if pulled:
            self._keep_rates(pulled, int(data["version"]))
        self._state.set_state(VERSION, str(int(data["version"])))
        log.info("catalog pulled: version %s, %d products", data["version"], len(products))
        return CatalogPull(int(data["version"]), len(products), len(rates))

    def _keep_rates(self, pulled: dict[str, str], version: int) -> None:
        known = json.loads(self._state.get_state(TAX_RATES) or "{}")
        changed = {c: (known.get(c), t) for c, t in sorted(pulled.items()) if known.get(c) != t}
        known.update(pulled)
        self._state.set_state(TAX_RATES, json.dumps(known, sort_keys=True))
        for code, (old, new) in changed.items():
            log.info("tax rate %s from the back office: %s -> %s", code, old or "config", new)
            if self._audit is not None:
                self._audit("tax_rate_pulled", "system", {
                    "tax_code": code, "old": old or "config", "new": new,
                    "catalog_version": version})
