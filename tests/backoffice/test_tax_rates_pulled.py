"""Tax rates set on the back office reach the till's pricing (issue 14): a sale rung after
the pull uses the store's new rate, one rung before it the old one; the change is audited on
the till; a bad rate is refused on both sides (IT-741)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ireti_till.adapters.backoffice_feed import SqlFeedStore, stored_tax_rates
from ireti_till.adapters.clock import SystemClock
from ireti_till.commands import server as server_command
from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.money import Money
from ireti_till.server import catalog
from ireti_till.services.backoffice_catalog import BackofficeCatalog
from ireti_till.services.backoffice_tax import TaxRateBook
from ireti_till.services.selling import SaleService
from tests.fakes import make_settings

Audit = list[tuple[str, str, Mapping[str, Any]]]


def _pull(till, audit: Audit) -> BackofficeCatalog:  # type: ignore[no-untyped-def]
    return BackofficeCatalog(till.factory, till.ledger.uow_factory,
                             SqlFeedStore(till.ledger.engine),
                             lambda kind, actor, details: audit.append((kind, actor, details)))


def _sell(service: SaleService) -> tuple[str, int]:
    service.add_product("TEA1")
    sale = service.pay_cash(Money(5000, "EUR"))
    (tax,) = sale.taxes
    return tax.rate_text, tax.tax.minor


def test_a_sale_after_a_pulled_rate_change_uses_the_new_rate(make_till, server_url, db_url,
                                                             server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    catalog.upsert_product(server_engine, "S1", {
        "sku": "TEA1", "gtin": None, "name": "Tea", "unit_price_minor": 1200,
        "currency": "EUR", "tax_code": "S", "active": True}, "admin")
    audit: Audit = []
    pull = _pull(till, audit)
    pull.pull_once()
    book = TaxRateBook(stored_tax_rates(lambda: till.ledger.engine), max_age_s=0)
    service = SaleService(till.ledger.uow_factory, make_settings(till_id="T01"), SystemClock(),
                          "Ada", False, tax_book=book)
    assert _sell(service) == ("20%", 200)  # no rate on the server yet: the config's 20 %

    assert server_command.main(["--database-url", db_url, "tax-rate", "S1", "S", "50%"]) == 0
    assert _sell(service) == ("20%", 200)  # not pulled yet: the till's copy still counts
    assert pull.pull_once().tax_rates == 1
    assert _sell(service) == ("50%", 400)  # 1200 incl. 50 %: 800 net + 400 tax
    assert audit == [("tax_rate_pulled", "system", {
        "tax_code": "S", "old": "config", "new": "50%",
        "catalog_version": audit[0][2]["catalog_version"]})]

    catalog.upsert_product(server_engine, "S1", {  # a product change alone: no rate audit
        "sku": "TEA1", "gtin": None, "name": "Tea", "unit_price_minor": 1200,
        "currency": "EUR", "tax_code": "S", "active": True}, "admin")
    catalog.set_tax_rate(server_engine, "S1", "S", "50%", "admin")  # same rate again
    pull.pull_once()
    assert len(audit) == 1
    catalog.set_tax_rate(server_engine, "S1", "S", "20%", "admin")
    pull.pull_once()
    assert audit[-1][2]["old"] == "50%" and audit[-1][2]["new"] == "20%"
    assert _sell(service) == ("20%", 200)


def test_a_bad_rate_is_refused_by_the_server_and_by_the_till(make_till, server_url,
                                                             server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    with pytest.raises(BackofficeError) as e:
        catalog.set_tax_rate(server_engine, "S1", "S", "200%", "admin")
    assert e.value.code == "IT-741"
    with pytest.raises(BackofficeError) as e:
        catalog.set_tax_rate(server_engine, "NOPE", "S", "20%", "admin")
    assert e.value.code == "IT-741"
    with server_engine.begin() as conn:  # written around the check (an old server)
        conn.execute(text("INSERT INTO tax_rates VALUES ('S1', 'S', 'lots', "
                          "nextval('catalog_version_seq'))"))
    audit: Audit = []
    with pytest.raises(BackofficeError) as e:
        _pull(till, audit).pull_once()
    assert e.value.code == "IT-741" and audit == []
    store = SqlFeedStore(till.ledger.engine)
    assert store.get_state("catalog_tax_rates") is None
    assert store.get_state("catalog_version") is None


def test_the_composed_till_prices_with_the_pulled_rates(qtbot, data_dir) -> None:  # type: ignore[no-untyped-def]
    """compose() gives the sale screen's service the TaxRateBook on the till's ledger."""
    import json

    from tests.ui.conftest import open_till

    opened = open_till(qtbot, data_dir, cashier="Ada")
    till = next(opened)
    try:
        service = till.window.controller.service
        config_rates = {r.code: r.rate for r in till.config.store.tax_rates}
        assert "S" in config_rates
        SqlFeedStore(till.ledger.engine).set_state("catalog_tax_rates",
                                                   json.dumps({"S": "50%"}))

        def coffee_rate() -> str:
            service.add_product("SKU-0003")  # coffee: tax code S
            return next(t.rate_text for t in service.view().taxes if t.tax_code == "S")

        qtbot.waitUntil(lambda: coffee_rate() == "50%", timeout=10_000)  # read every 2 s
    finally:
        next(opened, None)
