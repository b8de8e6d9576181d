"""Domain and sale-service speed: scan-to-basket-view latency with a 100,000-product catalog.

Plain script (not a test): ``.venv/bin/python benchmarks/bench_domain.py [--freeze]``
(``--freeze`` calls ``gc.freeze()`` after loading the catalog, as an app can after start-up).
It prints
medians and p99 for

- ``scan``: ``SaleService.scan`` (clean the input, validate the GTIN, look it up through a
  unit of work on the in-memory fakes, add the line, re-price and tax the whole basket,
  build the frozen ``BasketView``), baskets growing to 40 lines, paid in cash in between;
- ``price``: ``price_basket`` of a 40-line basket with line and basket discounts;
- ``pay``: ``SaleService.pay_cash`` on the fakes (building the CompletedSale);

each against a same-run baseline doing the bare minimum (a dict lookup and a list append;
summing 40 ints) so the ratio says what the domain rules cost on this machine. The goal
for the whole screen is p99 scan-to-line-shown <= 16 ms; the domain's share must be a
small part of it.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ireti_till.domain.basket import Basket
from ireti_till.domain.catalog import Product
from ireti_till.domain.gtin import gtin13_from12
from ireti_till.domain.money import Money
from ireti_till.domain.pricing import price_basket
from tests.fakes import make_sale_service, make_settings

QUICK = "--quick" in sys.argv  # small sizes, a few seconds (CI runs it)
N_PRODUCTS = 5_000 if QUICK else 100_000
LINES = 40
ROUNDS = 5 if QUICK else 60


def catalog() -> list[Product]:
    codes = ("S", "R", "Z")
    return [
        Product(f"SKU-{i:06d}", gtin13_from12(f"50{i:010d}"), f"Product {i}",
                Money(99 + (i * 37) % 5000, "EUR"), codes[i % 3])
        for i in range(N_PRODUCTS)
    ]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - start) / 1e6


def report(name: str, samples: list[float], baseline: list[float]) -> None:
    med, base = statistics.median(samples), statistics.median(baseline)
    print(f"{name:6s} n={len(samples):5d}  p50={med:8.4f} ms  p99={pct(samples, 0.99):8.4f} ms"
          f"  baseline p50={base:8.5f} ms  ratio={med / base:8.1f}x")


def main() -> None:
    products = catalog()
    if "--freeze" in sys.argv:
        # Move the 100k-product catalog out of the cyclic GC's view: without this, a full
        # collection walking ~300k objects shows up as a ~10 ms p99 on every operation.
        gc.collect()
        gc.freeze()
    print(f"gc.freeze: {'yes' if '--freeze' in sys.argv else 'no'}")
    by_gtin = {p.gtin: p for p in products}
    service, _, _ = make_sale_service(products=products, settings=make_settings())
    gtins = [p.gtin or "" for p in products]
    scans: list[float] = []
    pays: list[float] = []
    base_scan: list[float] = []
    for r in range(ROUNDS):
        basket_list: list[Product] = []
        for i in range(LINES):
            code = gtins[(r * LINES + i) * 997 % N_PRODUCTS]
            scans.append(timed(lambda c=code: service.scan(c + "\r")))
            base_scan.append(timed(lambda c=code, b=basket_list: b.append(by_gtin[c])))
        due = service.amount_due()
        pays.append(timed(lambda d=due: service.pay_cash(d)))
    report("scan", scans, base_scan)

    basket = Basket("EUR")
    for i in range(LINES):
        basket = basket.add(products[i * 13], 1 + i % 3)
        if i % 4 == 0:
            basket = basket.line_discount(i + 1, percent=Decimal("12.5"))
    basket = basket.basket_discount(percent=Decimal(5))
    settings = make_settings()
    ints = [p.unit_price.minor for p in products[:LINES]]
    prices = [timed(lambda: price_basket(basket, settings)) for _ in range(2000)]
    base_price = [timed(lambda: sum(ints)) for _ in range(2000)]
    report("price", prices, base_price)
    report("pay", pays, base_price)


if __name__ == "__main__":
    main()
