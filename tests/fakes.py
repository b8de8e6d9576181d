"""In-memory implementations of the service ports (services/ports.py), for tests.

- ``FakeLedger``: the "database" (committed products and sales), shared by every unit of
  work made from it. Fault hooks: ``fail_next_commits`` / ``fail_next_adds``.
- ``FakeUnitOfWork``: stages changes; only ``commit()`` makes them visible in the ledger;
  leaving ``with`` without a commit (or ``rollback()``) discards them. Receipt numbers
  are per till, gap-free: a rolled-back sale does not use up a number.
- ``FakeUnitOfWorkFactory``: ``factory()`` -> a new ``FakeUnitOfWork`` on one ledger.
- ``FakeClock``: a settable UTC clock (``advance(seconds=...)``).
- ``make_settings()``, ``make_product()``, ``demo_products()``, ``make_sale_service()``:
  ready-made values; the demo products have valid GTIN-13s and several tax rates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self
from uuid import UUID

from ireti_till.domain.catalog import Product, TaxRate
from ireti_till.domain.gtin import gtin13_from12
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.settings import StoreSettings
from ireti_till.services.ports import CatalogRepository, SaleRepository
from ireti_till.services.selling import SaleService


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 1.0) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


class FakeLedger:
    """Committed state; shared by all units of work of one factory."""

    def __init__(self, products: Iterable[Product] = ()) -> None:
        self.products: dict[str, Product] = {}
        self.gtin_index: dict[str, str] = {}  # gtin -> sku, so lookups stay O(1) at 100k
        self.put_products(products)
        self.sales: dict[UUID, CompletedSale] = {}
        self.last_receipt: dict[str, int] = {}
        self.commits = 0
        self.rollbacks = 0
        self.fail_next_commits = 0  # > 0: the next commit(s) raise ``commit_error``
        self.fail_next_adds = 0  # > 0: the next sales.add() call(s) raise ``add_error``
        self.commit_error: Exception = OSError("disk I/O error (injected)")
        self.add_error: Exception = RuntimeError("database is locked (injected)")


    def put_products(self, products: Iterable[Product]) -> None:
        """Store products as committed (replacing by SKU), e.g. to seed a test catalog."""
        for p in products:
            old = self.products.get(p.sku)
            if old is not None and old.gtin is not None:
                self.gtin_index.pop(old.gtin, None)
            self.products[p.sku] = p
            if p.gtin is not None:
                self.gtin_index[p.gtin] = p.sku


class FakeCatalogRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _all(self) -> dict[str, Product]:
        return {**self._uow.ledger.products, **self._uow.staged_products}

    def by_gtin(self, gtin: str) -> Product | None:
        staged = next((p for p in self._uow.staged_products.values() if p.gtin == gtin), None)
        if staged is not None:
            return staged
        sku = self._uow.ledger.gtin_index.get(gtin)
        found = None if sku is None else self.by_sku(sku)
        return found if found is not None and found.gtin == gtin else None

    def by_sku(self, sku: str) -> Product | None:
        staged = self._uow.staged_products.get(sku)
        return staged if staged is not None else self._uow.ledger.products.get(sku)

    def search(self, text: str, limit: int = 50) -> list[Product]:
        needle = text.casefold()
        hits = [
            p for p in self._all().values()
            if p.active and (
                needle in p.name.casefold() or needle in p.sku.casefold()
                or (p.gtin is not None and p.gtin.startswith(text))
            )
        ]
        hits.sort(key=lambda p: (
            not (p.name.casefold().startswith(needle) or p.sku.casefold().startswith(needle)),
            p.name.casefold(),
        ))
        return hits[:limit]

    def upsert_many(self, products: Iterable[Product]) -> int:
        n = 0
        for p in products:
            self._uow.staged_products[p.sku] = p
            n += 1
        return n

    def count(self) -> int:
        return len(self._all())


class FakeSaleRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, sale: CompletedSale) -> CompletedSale:
        ledger = self._uow.ledger
        if ledger.fail_next_adds > 0:
            ledger.fail_next_adds -= 1
            raise ledger.add_error
        if sale.sale_id in ledger.sales or any(
            s.sale_id == sale.sale_id for s in self._uow.staged_sales
        ):
            raise ValueError(f"duplicate sale id {sale.sale_id}")
        staged_same_till = sum(1 for s in self._uow.staged_sales if s.till_id == sale.till_id)
        number = ledger.last_receipt.get(sale.till_id, 0) + staged_same_till + 1
        stored = dataclasses.replace(sale, receipt_no=number)
        self._uow.staged_sales.append(stored)
        return stored

    def _visible(self) -> list[CompletedSale]:
        return [*self._uow.ledger.sales.values(), *self._uow.staged_sales]

    def get(self, sale_id: UUID) -> CompletedSale | None:
        return next((s for s in self._visible() if s.sale_id == sale_id), None)

    def by_receipt(self, till_id: str, receipt_no: int) -> CompletedSale | None:
        return next(
            (s for s in self._visible() if s.till_id == till_id and s.receipt_no == receipt_no),
            None,
        )

    def since(self, when: datetime | None) -> Iterator[CompletedSale]:
        rows = sorted(self._visible(), key=lambda s: (s.completed_at, s.receipt_no))
        return iter([s for s in rows if when is None or s.completed_at >= when])

    def count(self) -> int:
        return len(self._visible())


class FakeUnitOfWork:
    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger
        self.staged_products: dict[str, Product] = {}
        self.staged_sales: list[CompletedSale] = []
        self.catalog: CatalogRepository = FakeCatalogRepository(self)
        self.sales: SaleRepository = FakeSaleRepository(self)
        self.committed = False
        self._open = False

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("unit of work entered twice")
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()  # anything not committed is discarded
        self._open = False

    def commit(self) -> None:
        if not self._open:
            raise RuntimeError("commit() outside the with block")
        if self.ledger.fail_next_commits > 0:
            self.ledger.fail_next_commits -= 1
            raise self.ledger.commit_error
        self.ledger.put_products(self.staged_products.values())
        for sale in self.staged_sales:
            self.ledger.sales[sale.sale_id] = sale
            self.ledger.last_receipt[sale.till_id] = max(
                self.ledger.last_receipt.get(sale.till_id, 0), sale.receipt_no
            )
        self.staged_products.clear()
        self.staged_sales.clear()
        self.ledger.commits += 1
        self.committed = True

    def rollback(self) -> None:
        if self.staged_products or self.staged_sales:
            self.ledger.rollbacks += 1
        self.staged_products.clear()
        self.staged_sales.clear()


class FakeUnitOfWorkFactory:
    def __init__(self, ledger: FakeLedger | None = None) -> None:
        self.ledger = ledger or FakeLedger()
        self.created = 0

    def __call__(self) -> FakeUnitOfWork:
        self.created += 1
        return FakeUnitOfWork(self.ledger)


# ready-made values ---------------------------------------------------------------------

STANDARD = TaxRate("S", "Standard 20%", Decimal("0.20"))
REDUCED = TaxRate("R", "Reduced 5%", Decimal("0.05"))
ZERO = TaxRate("Z", "Zero 0%", Decimal("0"))


def make_settings(
    currency: str = "EUR", prices_include_tax: bool = True, till_id: str = "T1"
) -> StoreSettings:
    return StoreSettings(
        store_name="Ireti Test Store",
        currency=currency,
        till_id=till_id,
        prices_include_tax=prices_include_tax,
        tax_rates=(STANDARD, REDUCED, ZERO),
        address_lines=("1 Market Street", "Lagos"),
        tax_id="TAX-0001",
    )


def make_product(
    n: int = 1, price_minor: int = 250, currency: str = "EUR", tax_code: str = "S",
    name: str | None = None, active: bool = True, gtin: str | None = "auto",
) -> Product:
    """Product ``n``: SKU ``SKU-000n``, GTIN-13 ``400000000000n`` + check digit."""
    code = gtin13_from12(f"40000000{n:04d}") if gtin == "auto" else gtin
    return Product(
        sku=f"SKU-{n:04d}", gtin=code, name=name or f"Product {n}",
        unit_price=Money(price_minor, currency), tax_code=tax_code, active=active,
    )


_DEMO = [
    ("Bread, white loaf", 250, "R"), ("Milk 1 l", 119, "R"), ("Coffee beans 500 g", 899, "S"),
    ("Apples 1 kg", 299, "R"), ("Dish soap", 349, "S"), ("Children's book", 1299, "Z"),
    ("Chocolate bar", 189, "S"), ("Orange juice 1 l", 229, "R"), ("Batteries AA x4", 599, "S"),
    ("Newspaper", 300, "Z"),
]


def demo_products(currency: str = "EUR") -> list[Product]:
    """Ten products (SKU-0001..SKU-0010) across the S/R/Z rates, prices in minor units."""
    return [
        make_product(i, price, currency, tax, name)
        for i, (name, price, tax) in enumerate(_DEMO, start=1)
    ]


def make_sale_service(
    products: Iterable[Product] | None = None,
    settings: StoreSettings | None = None,
    clock: FakeClock | None = None,
    cashier: str = "Ada",
    training: bool = True,
) -> tuple[SaleService, FakeUnitOfWorkFactory, FakeClock]:
    """A SaleService on fakes; products default to ``demo_products(settings.currency)``."""
    settings = settings or make_settings()
    factory = FakeUnitOfWorkFactory(
        FakeLedger(demo_products(settings.currency) if products is None else products)
    )
    clock = clock or FakeClock()
    return SaleService(factory, settings, clock, cashier, training), factory, clock
