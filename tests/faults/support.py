"""Helpers shared by the card-payment tests: a migrated ledger, a sale to tender, clocks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
from ireti_till.adapters.stripe_gateway import StripeGateway
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine
from ireti_till.services.card_payments import CardPayments
from ireti_till.services.outbox import OutboxRunner
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import Address
from ireti_till.services.tendering import TenderService
from ireti_till.training.server import Emulator


def migrated_engine(path: Path) -> Engine:
    """A ledger at ``path`` upgraded to every head (branches 0002-0004 until the merge)."""
    engine = make_engine(path)
    migrate.upgrade(engine, target="heads")
    return engine


def uow_factory(path: Path) -> tuple[Engine, SqlPaymentUnitOfWorkFactory]:
    engine = migrated_engine(path)
    return engine, SqlPaymentUnitOfWorkFactory(engine)


class StepClock:
    """A thread-safe UTC clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **kw: float) -> datetime:
        with self._lock:
            self._now += timedelta(**kw)
            return self._now


def sale_template(total_minor: int = 1250, currency: str = "EUR", till_id: str = "T1",
                  sale_id: UUID | None = None, when: datetime | None = None) -> CompletedSale:
    """An unnumbered sale with one line, as the sale screen hands it over for tendering."""
    when = when or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    m = Money(total_minor, currency)
    tax = Money(total_minor // 6, currency)
    net = Money(total_minor - tax.minor, currency)
    line = SaleLine(1, "SKU1", "4006381333931", "Coffee beans", 1, m, m, Money(0, currency),
                    m, "S", tax)
    return CompletedSale(
        sale_id=sale_id or uuid4(), till_id=till_id, receipt_no=0, cashier="ada",
        started_at=when, completed_at=when, currency=currency, lines=(line,),
        taxes=(TaxLine("S", "20%", net, tax, m),), tenders=(), subtotal=m,
        discount_total=Money(0, currency), tax_total=tax, total=m, change=Money(0, currency),
        training=True,
    )


def iter_chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


# ---- a till core wired to a running emulator ------------------------------------------




def register_reader(gateway: StripeGateway, label: str = "till-1") -> str:
    loc = gateway.create_location("Shop", Address("1 High St", "Dublin", "IE"),
                                  idempotency_key=f"loc:{label}:{uuid4()}")
    reader = gateway.register_reader("simulated-wpe", loc.id, label=label,
                                     idempotency_key=f"reader:{label}:{uuid4()}")
    return reader.id


@dataclass
class Rig:
    """The till's payment core (tender, card, outbox) on one ledger and one emulator."""

    emu: Emulator
    db_path: Path
    reader_id: str
    till_id: str = "T1"
    clock: Any = None
    crash: Any = None
    retries: int = 0
    engine: Engine = field(init=False)
    gateway: StripeGateway = field(init=False)
    ctx: PaymentContext = field(init=False)
    tender: TenderService = field(init=False)
    outbox: OutboxRunner = field(init=False)
    cards: CardPayments = field(init=False)

    def __post_init__(self) -> None:
        self.engine, uow = uow_factory(self.db_path)
        self.gateway = StripeGateway(self.emu.api_key, base_url=self.emu.base_url,
                                     training=True, max_network_retries=self.retries,
                                     timeout_s=5.0)
        kw: dict[str, Any] = {} if self.crash is None else {"crash": self.crash}
        self.ctx = PaymentContext(uow, self.gateway, self.clock or SystemClock(), self.till_id,
                                  **kw)
        self.tender = TenderService(self.ctx)
        self.outbox = OutboxRunner(self.ctx)
        self.cards = CardPayments(self.ctx, self.tender, self.outbox, lambda: self.reader_id)

    def intents(self) -> list[dict[str, Any]]:
        with self.emu.state.lock:
            return [dict(pi) for pi in self.emu.state.intents.values()]

    def close(self) -> None:
        self.engine.dispose()
