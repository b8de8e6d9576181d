"""Ports: what the services need from the outside world, as Protocols.

Adapters implement these; tests use fakes. Nothing here imports SQLAlchemy, Qt or Stripe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from ireti_till.domain.catalog import Product
from ireti_till.domain.sale import CompletedSale


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class CatalogRepository(Protocol):
    def by_gtin(self, gtin: str) -> Product | None: ...
    def by_sku(self, sku: str) -> Product | None: ...
    def search(self, text: str, limit: int = 50) -> list[Product]:
        """Active products whose name or SKU contains ``text`` (case-insensitive), or whose
        GTIN starts with it; best matches (prefix of name/SKU) first."""
        ...
    def upsert_many(self, products: Iterable[Product]) -> int: ...
    def count(self) -> int: ...


class SaleRepository(Protocol):
    def add(self, sale: CompletedSale) -> CompletedSale:
        """Store a completed sale, assigning the next gap-free receipt number for its till.

        Returns the sale with ``receipt_no`` filled in. Must run inside the unit of work's
        transaction so the number and the sale commit (or vanish) together."""
        ...
    def get(self, sale_id: UUID) -> CompletedSale | None: ...
    def by_receipt(self, till_id: str, receipt_no: int) -> CompletedSale | None: ...
    def since(self, when: datetime | None) -> Iterator[CompletedSale]: ...
    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One use case = one unit of work = one transaction (``BEGIN IMMEDIATE``).

    Nothing is written unless ``commit()`` is called; leaving the ``with`` block without a
    commit rolls back."""

    catalog: CatalogRepository
    sales: SaleRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
