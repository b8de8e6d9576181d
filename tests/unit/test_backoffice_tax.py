"""Tax rates from the back office applied at sale time (issue 14): the server's rate for the
product's tax code when present, the config rate otherwise."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.money import Money
from ireti_till.services.backoffice_tax import TaxRateBook, merged, parse_rate_text, parse_rates
from ireti_till.services.selling import SaleService
from tests.fakes import FakeClock, FakeLedger, FakeUnitOfWorkFactory, make_product, make_settings


@pytest.mark.parametrize(("text", "rate"), [("20", "0.20"), ("20%", "0.20"), (" 5.5 % ", "0.055"),
                                            ("0", "0"), ("100%", "1")])
def test_rate_texts_are_read_as_fractions(text: str, rate: str) -> None:
    assert parse_rate_text("S", text) == Decimal(rate)


@pytest.mark.parametrize(("code", "text"), [("S", "101%"), ("S", "-1"), ("S", "twenty"),
                                            ("S", "0.2.1"), ("s", "20%"), ("TOOLONGXX", "1")])
def test_bad_rates_are_refused_with_it_741(code: str, text: str) -> None:
    with pytest.raises(BackofficeError) as e:
        parse_rate_text(code, text)
    assert e.value.code == "IT-741"


def test_server_rates_replace_or_add_codes_and_config_is_the_fallback() -> None:
    settings = make_settings()
    out = merged(settings, parse_rates(json.dumps({"S": "21%", "X": "7%", "R": "junk"})))
    rates = {r.code: r.rate for r in out.tax_rates}
    assert rates == {"S": Decimal("0.21"), "R": Decimal("0.05"), "Z": Decimal("0"),
                     "X": Decimal("0.07")}
    assert merged(settings, {}) is settings
    assert parse_rates("not json") == {}


def _service(stored: list[str | None]) -> SaleService:
    book = TaxRateBook(lambda: stored[0], max_age_s=0)
    factory = FakeUnitOfWorkFactory(FakeLedger([make_product(1, 1210)]))
    return SaleService(factory, make_settings(), FakeClock(), "Ann", True, tax_book=book)


def test_a_sale_is_priced_with_the_rate_in_force_when_it_is_rung() -> None:
    stored: list[str | None] = [None]  # never pulled: the config's 20 %
    svc = _service(stored)
    svc.add_product("SKU-0001")
    before = svc.pay_cash(Money(2000, "EUR"))
    assert [(t.tax_code, t.rate_text, t.tax.minor) for t in before.taxes] == [("S", "20%", 202)]
    stored[0] = json.dumps({"S": "10%"})  # the catalog pull kept a new rate
    svc.add_product("SKU-0001")
    after = svc.pay_cash(Money(2000, "EUR"))
    assert [(t.tax_code, t.rate_text, t.tax.minor) for t in after.taxes] == [("S", "10%", 110)]
    assert after.total.minor == before.total.minor == 1210  # prices include tax


def test_an_unreadable_store_keeps_the_last_rates() -> None:
    calls = [json.dumps({"S": "10%"})]

    def load() -> str | None:
        if not calls:
            raise OSError("database is locked")
        return calls.pop()

    book = TaxRateBook(load, max_age_s=0)
    assert book.rates() == {"S": Decimal("0.10")}
    assert book.rates() == {"S": Decimal("0.10")}  # the read failed: still the last ones


def test_the_stored_text_is_read_at_most_every_max_age() -> None:
    reads: list[int] = []

    def load() -> str | None:
        reads.append(1)
        return None

    book = TaxRateBook(load, max_age_s=60)
    for _ in range(50):
        book.settings_for(make_settings())
    assert len(reads) == 1


def test_the_till_reads_the_pulled_rates_once_its_ledger_is_open(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.db.opener import LedgerOpener
    from ireti_till.adapters.tax_rates_wiring import tax_book_for

    opener = LedgerOpener(tmp_path)
    book = tax_book_for(opener)
    book.max_age_s = 0
    assert book.rates() == {} and opener.ident is None  # a scan never starts or waits for it
    ledger = opener.result()
    try:
        SqlFeedStore(ledger.engine).set_state("catalog_tax_rates", json.dumps({"R": "6%"}))
        assert {r.code: r.rate for r in book.settings_for(make_settings()).tax_rates}["R"] \
            == Decimal("0.06")
    finally:
        opener.discard()
