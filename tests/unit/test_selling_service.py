"""SaleService on the in-memory fakes: the cashier's flows and every bad input of this layer."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from ireti_till.domain.errors import InputError, LedgerError, NotFoundError, TillError
from ireti_till.domain.money import Money
from tests.fakes import make_product, make_sale_service

EUR = "EUR"


def eur(minor: int) -> Money:
    return Money(minor, EUR)


@pytest.fixture
def svc():
    service, factory, clock = make_sale_service()
    return service, factory, clock


def gtin_of(n: int) -> str:
    product = make_product(n)
    assert product.gtin is not None
    return product.gtin


def test_scan_adds_a_line_and_prices_it(svc):
    service, _, _ = svc
    result = service.scan(gtin_of(1))
    assert result.product.sku == "SKU-0001"
    assert result.line_no == 1
    view = result.basket
    assert [ln.name for ln in view.lines] == ["Bread, white loaf"]
    assert view.total == eur(250)
    assert view.item_count == 1
    # 5 % included in 2.50: 250 * 0.05/1.05 = 11.9 -> 12
    assert [(t.tax_code, t.net.minor, t.tax.minor, t.gross.minor) for t in view.taxes] == [
        ("R", 238, 12, 250)
    ]


def test_scan_strips_scanner_controls_and_accepts_sku(svc):
    service, _, _ = svc
    service.scan("\x02" + gtin_of(3) + "\r\n")
    service.scan("  SKU-0002\t")
    assert [ln.sku for ln in service.view().lines] == ["SKU-0003", "SKU-0002"]


def test_quantity_prefix_sets_quantity(svc):
    service, _, _ = svc
    result = service.scan(f"3*{gtin_of(2)}")
    assert result.basket.lines[0].quantity == 3
    assert result.basket.total == eur(357)
    assert service.parse_quantity_prefix("3*4006381333931") == (3, "4006381333931")
    assert service.parse_quantity_prefix("3*") == (3, "")
    assert service.parse_quantity_prefix("4006381333931") == (1, "4006381333931")


def test_same_product_twice_gives_two_lines(svc):
    service, _, _ = svc
    service.scan(gtin_of(1))
    view = service.scan(gtin_of(1)).basket
    assert [ln.line_no for ln in view.lines] == [1, 2]


@pytest.mark.parametrize(
    ("raw", "error", "code"),
    [
        ("4000000000990", NotFoundError, "IT-110"),  # unknown but valid GTIN-13
        ("4000000000011", InputError, "IT-121"),  # bad check digit (valid one ends 3)
        ("X" * 200, InputError, "IT-123"),  # scanner garbage
        ("\x00\x01\x1b\r\n", InputError, "IT-123"),  # only control characters
        ("12345", InputError, "IT-120"),  # digits, not a barcode, not a SKU
        ("NO-SUCH-SKU", NotFoundError, "IT-110"),
        ("%B4242424242424242^DOE/JOHN^2512", InputError, "IT-124"),  # card swipe
        ("0*" + "4000000000016", InputError, "IT-131"),  # quantity 0
        ("3*", InputError, "IT-132"),  # prefix without an item
        ("1e6*4000000000013", InputError, "IT-130"),  # quantity typed as an exponent
        ("1000000*4000000000013", InputError, "IT-131"),
        ("-2*4000000000013", InputError, "IT-130"),
    ],
)
def test_bad_scans_raise_and_keep_the_basket(svc, raw, error, code):
    service, _, _ = svc
    service.scan(gtin_of(1))
    before = service.view()
    with pytest.raises(error) as info:
        service.scan(raw)
    assert info.value.code == code
    assert code in str(info.value)
    assert service.view() == before


def test_rejected_scan_is_logged_without_the_scanned_text(svc, caplog):
    service, _, _ = svc
    caplog.set_level(logging.INFO, logger="ireti_till")
    with pytest.raises(InputError):
        service.scan("%B4242424242424242^DOE/JOHN^2512")
    with pytest.raises(InputError):
        service.scan("4242424242424242")
    assert any("IT-124" in r.getMessage() for r in caplog.records)
    assert all("4242424242" not in r.getMessage() for r in caplog.records)
    assert all(r.name.startswith("ireti_till.") for r in caplog.records)


def test_inactive_product_is_refused():
    service, _, _ = make_sale_service(products=[make_product(7, active=False)])
    with pytest.raises(NotFoundError) as info:
        service.scan(gtin_of(7))
    assert info.value.code == "IT-111"
    assert service.view().is_empty


def test_unknown_tax_code_is_refused():
    service, _, _ = make_sale_service(products=[make_product(8, tax_code="QQ")])
    with pytest.raises(InputError) as info:
        service.add_product("SKU-0008")
    assert info.value.code == "IT-113"
    assert service.view().is_empty


def test_add_product_and_search(svc):
    service, _, _ = svc
    hits = service.search("milk")
    assert [p.sku for p in hits] == ["SKU-0002"]
    assert service.search("  \x00 ") == []
    result = service.add_product(hits[0].sku, quantity=2)
    assert result.basket.lines[0].quantity == 2
    with pytest.raises(NotFoundError):
        service.add_product("SKU-9999")


@pytest.mark.parametrize("quantity", [0, -1, 1_000_000, 10_000])
def test_bad_quantities(svc, quantity):
    service, _, _ = svc
    service.scan(gtin_of(1))
    before = service.view()
    with pytest.raises(InputError) as info:
        service.set_quantity(1, quantity)
    assert info.value.code == "IT-131"
    with pytest.raises(InputError):
        service.add_product("SKU-0001", quantity)
    assert service.view() == before


def test_set_quantity_void_and_cancel(svc):
    service, _, _ = svc
    service.scan(gtin_of(1))
    service.scan(gtin_of(3))
    assert service.set_quantity(1, 4).total == eur(4 * 250 + 899)
    view = service.void_line(2)
    assert [ln.line_no for ln in view.lines] == [1]
    assert view.voided_count == 1
    assert view.total == eur(1000)
    with pytest.raises(InputError) as info:
        service.set_quantity(2, 1)
    assert info.value.code == "IT-161"
    with pytest.raises(NotFoundError):
        service.void_line(9)
    assert service.cancel_sale().is_empty


def test_pay_cash_commits_the_sale_and_resets(svc):
    service, factory, clock = svc
    service.scan(gtin_of(1))
    clock.advance(30)
    service.scan(f"2*{gtin_of(3)}")
    due = service.view().total
    assert due == eur(250 + 2 * 899)
    assert service.quick_cash() == [eur(2048), eur(2500), eur(3000), eur(4000), eur(5000)]
    clock.advance(30)
    sale = service.pay_cash(eur(5000))
    assert sale.receipt_no == 1
    assert sale.change == eur(5000 - 2048)
    assert sale.total == due
    assert sale.till_id == "T1" and sale.cashier == "Ada" and sale.training
    assert sale.completed_at > sale.started_at
    assert sum(ln.total.minor for ln in sale.lines) == sale.total.minor
    assert factory.ledger.sales[sale.sale_id] == sale
    assert service.view().is_empty
    service.scan(gtin_of(2))
    assert service.pay_cash(eur(119)).receipt_no == 2


def test_cash_below_due_is_refused_and_nothing_stored(svc):
    service, factory, _ = svc
    service.scan(gtin_of(3))
    with pytest.raises(InputError) as info:
        service.pay_cash(eur(898))
    assert info.value.code == "IT-150"
    assert factory.ledger.sales == {}
    assert service.view().total == eur(899)


def test_pay_empty_basket_is_refused(svc):
    service, _, _ = svc
    with pytest.raises(InputError) as info:
        service.pay_cash(eur(100))
    assert info.value.code == "IT-151"


def test_ledger_failure_keeps_basket_and_receipt_numbers_stay_gap_free(svc):
    service, factory, _ = svc
    service.scan(gtin_of(1))
    before = service.view()
    factory.ledger.fail_next_commits = 1
    with pytest.raises(LedgerError) as info:
        service.pay_cash(eur(500))
    assert info.value.code == "IT-203"
    assert service.view() == before
    assert factory.ledger.sales == {}
    factory.ledger.fail_next_adds = 1
    with pytest.raises(TillError):
        service.pay_cash(eur(500))
    sale = service.pay_cash(eur(500))
    assert sale.receipt_no == 1
    assert list(factory.ledger.sales) == [sale.sale_id]
    assert service.last_sale == sale


def test_sale_id_is_stable_across_retries_and_new_after_payment(svc):
    service, factory, _ = svc
    service.scan(gtin_of(1))
    first = service.draft_sale()
    factory.ledger.fail_next_commits = 1
    with pytest.raises(LedgerError):
        service.pay_cash(eur(250))
    sale = service.pay_cash(eur(250))
    assert sale.sale_id == first.sale_id
    service.scan(gtin_of(1))
    assert service.draft_sale().sale_id != sale.sale_id
    assert service.draft_sale().receipt_no == 0 and service.draft_sale().tenders == ()
    service.cancel_sale()
    with pytest.raises(InputError):
        service.draft_sale()


def test_discounts_and_override(svc):
    service, _, _ = svc
    service.scan(gtin_of(3))  # 8.99 S
    service.scan(gtin_of(1))  # 2.50 R
    view = service.line_discount(1, percent=Decimal("10"))
    assert view.lines[0].discount == eur(90)
    assert view.lines[0].discount_text == "10%"
    view = service.basket_discount(amount=eur(100))
    assert view.basket_discount == eur(100)
    assert view.total == eur(899 - 90 + 250 - 100)
    view = service.override_price(2, eur(200), "damaged packaging")
    assert view.lines[1].unit_price == eur(200)
    assert view.lines[1].override_reason == "damaged packaging"
    sale = service.pay_cash(view.total)
    assert sale.change == eur(0)
    assert sale.discount_total == eur(90 + 100)
    assert sale.subtotal.minor - sale.discount_total.minor == sale.total.minor


@pytest.mark.parametrize("price", [-1, 100_000_000])
def test_price_override_out_of_range(svc, price):
    service, _, _ = svc
    service.scan(gtin_of(1))
    before = service.view()
    with pytest.raises(InputError) as info:
        service.override_price(1, eur(price), "reason")
    assert info.value.code == "IT-143"
    assert service.view() == before


@pytest.mark.parametrize(
    ("text", "minor", "code"),
    [("1,5", 150, None), ("20", 2000, None), ("1e3", None, "IT-103"), ("NaN", None, "IT-103"),
     ("-1", None, "IT-103"), ("1.234", None, "IT-102"), ("123456789", None, "IT-104")],
)
def test_amount_from_text(svc, text, minor, code):
    service, _, _ = svc
    if code is None:
        assert service.amount_from_text(text) == eur(minor)
    else:
        with pytest.raises(InputError) as info:
            service.amount_from_text(text)
        assert info.value.code == code


def test_jpy_and_kwd_sales():
    from tests.fakes import demo_products, make_settings

    for currency in ("JPY", "KWD"):
        service, factory, _ = make_sale_service(settings=make_settings(currency))
        service.scan(demo_products(currency)[2].gtin or "")
        due = service.view().total
        assert due.currency == currency
        options = service.quick_cash()
        sale = service.pay_cash(options[-1])
        assert sale.change == options[-1] - due
        assert factory.ledger.sales[sale.sale_id].total == due


def test_rejected_inputs_are_logged_with_their_code(svc, caplog):
    service, _, _ = svc
    caplog.set_level(logging.INFO, logger="ireti_till")
    service.scan(gtin_of(1))
    with pytest.raises(InputError):
        service.set_quantity(1, 0)
    with pytest.raises(InputError):
        service.pay_cash(eur(1))
    with pytest.raises(InputError):
        service.amount_from_text("1e3")
    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    for code in ("IT-131", "IT-150", "IT-103"):
        assert any(code in m and name == "ireti_till.services.selling" and level == "INFO"
                   for name, level, m in messages), code


def test_exclusive_prices_view_and_sale():
    from tests.fakes import make_settings

    service, _, _ = make_sale_service(settings=make_settings("USD", prices_include_tax=False))
    service.add_product("SKU-0003", 2)  # 8.99 + 20 % on top
    view = service.view()
    assert not view.prices_include_tax
    assert (view.subtotal.minor, view.tax_total.minor, view.total.minor) == (1798, 360, 2158)
    sale = service.pay_cash(Money(2158, "USD"))
    assert sale.lines[0].total.minor == 2158 and sale.lines[0].tax.minor == 360
    assert sale.subtotal.minor - sale.discount_total.minor + sale.tax_total.minor == 2158


def test_lookups_use_the_read_factory_and_sales_the_write_factory():
    from ireti_till.services.selling import SaleService
    from tests.fakes import (
        FakeClock,
        FakeLedger,
        FakeUnitOfWorkFactory,
        demo_products,
        make_settings,
    )

    ledger = FakeLedger(demo_products())
    writes, reads = FakeUnitOfWorkFactory(ledger), FakeUnitOfWorkFactory(ledger)
    service = SaleService(writes, make_settings(), FakeClock(), "Ada", False,
                          read_uow_factory=reads)
    service.scan(gtin_of(1))
    service.add_product("SKU-0002")
    service.search("milk")
    assert (reads.created, writes.created) == (3, 0)
    sale = service.pay_cash(eur(369))
    assert writes.created == 1 and not sale.training


def test_gs1_element_strings_and_aim_prefixes_find_the_product(svc):
    service, _, _ = svc
    service.scan("]E0" + gtin_of(1))
    service.scan(f"(01)0{gtin_of(2)}(17)261231(10)LOT7")
    assert [ln.sku for ln in service.view().lines] == ["SKU-0001", "SKU-0002"]


def test_azerty_scanner_still_sells_and_warns(svc, caplog):
    service, _, _ = svc
    caplog.set_level(logging.INFO, logger="ireti_till")
    typed = gtin_of(3).translate(str.maketrans("0123456789", "à&é\"'(-è_ç"))
    assert service.scan(typed + "\r").product.sku == "SKU-0003"
    assert any(r.levelname == "WARNING" and "AZERTY" in r.getMessage() for r in caplog.records)
