"""Fast start: scans read through fast_read while the write ledger is still opening, and
a sale paid before it has opened waits for it and is committed, never lost.

The write ledger is held "still opening" by a ``prepare`` step that waits on an event,
released only once the payment has asked for its unit of work: so the payment provably
starts before the ledger is open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.fast_read import FastReads
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.db.preflight import preflight
from ireti_till.composition.ledger import LedgerOpener
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.money import Money
from ireti_till.services.ports import UnitOfWork
from ireti_till.services.selling import SaleService
from tests.fakes import demo_products, make_settings


@pytest.fixture
def stocked(data_dir: Path) -> Path:
    ledger = open_ledger(data_dir)
    with ledger.uow_factory() as uow:
        uow.catalog.upsert_many(demo_products("EUR"))
        uow.commit()
    ledger.close()
    return data_dir


@pytest.fixture
def reads(stocked: Path) -> Iterator[FastReads]:
    verdict = preflight(stocked)
    assert verdict.ready, verdict.reason
    fast = FastReads(verdict.path)
    yield fast
    fast.close()


class HeldOpener:
    """A LedgerOpener whose ledger is only handed over once ``release`` is set."""

    def __init__(self, data_dir: Path, fail: BaseException | None = None) -> None:
        self.opened = threading.Event()
        self.release = threading.Event()

        def prepare(_ledger: Ledger) -> None:
            self.opened.set()
            if not self.release.wait(timeout=60):
                raise TimeoutError("test never released the ledger")
            if fail is not None:
                raise fail

        self.opener = LedgerOpener(data_dir, prepare)
        self.paying = threading.Event()

    def write_uow(self) -> UnitOfWork:
        """The service's write factory: notes that a payment asked, then waits as main does."""
        self.paying.set()
        return self.opener.uow_factory()

    def release_when_paying(self) -> threading.Thread:
        def run() -> None:
            if self.paying.wait(timeout=60):
                self.release.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def _service(held: HeldOpener, reads: Callable[[], UnitOfWork]) -> SaleService:
    return SaleService(held.write_uow, make_settings(), SystemClock(), "Ada", True,
                       read_uow_factory=reads)


def test_a_sale_paid_before_the_write_ledger_opens_is_committed(stocked: Path,
                                                                 reads: FastReads) -> None:
    held = HeldOpener(stocked)
    service = _service(held, reads)
    held.opener.start()
    assert held.opened.wait(timeout=60)
    products = demo_products("EUR")
    for product in products[:3]:  # scans are served while the ledger is still opening
        assert product.gtin is not None
        service.scan(product.gtin)
    assert service.search(products[0].name[:4])
    assert held.opener.is_alive() and not held.paying.is_set()
    releaser = held.release_when_paying()
    sale = service.pay_cash(Money(100_000, "EUR"))  # waits for the ledger, then commits
    releaser.join(timeout=60)
    assert held.release.is_set() and sale.receipt_no == 1
    assert service.view().is_empty
    ledger = held.opener.result()
    try:
        with ledger.read_uow() as uow:
            stored = uow.sales.get(sale.sale_id)
            assert uow.sales.count() == 1
        assert stored is not None
        assert (stored.receipt_no, stored.total, stored.lines) == (1, sale.total, sale.lines)
    finally:
        ledger.close()


def test_a_write_ledger_that_fails_to_open_keeps_the_basket(stocked: Path,
                                                            reads: FastReads) -> None:
    held = HeldOpener(stocked, fail=LedgerError("disk gone", code="IT-203"))
    service = _service(held, reads)
    held.opener.start()
    gtin = demo_products("EUR")[0].gtin
    assert gtin is not None
    service.scan(gtin)
    held.release_when_paying()
    with pytest.raises(LedgerError) as caught:
        service.pay_cash(Money(100_000, "EUR"))
    assert caught.value.code == "IT-203"
    assert len(service.view().lines) == 1  # nothing lost: the basket is still there
    check = open_ledger(stocked)
    try:
        with check.read_uow() as uow:
            assert uow.sales.count() == 0
    finally:
        check.close()
