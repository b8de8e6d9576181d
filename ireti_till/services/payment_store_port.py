"""What the card-payment services need from the ledger, as Protocols (adapters implement them).

``PaymentUnitOfWork`` is one ``BEGIN IMMEDIATE`` transaction that covers both the core
sale repository and the payment records, so "authorised + sale completed + capture queued"
and "void + cancel queued" each commit or vanish as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation
from ireti_till.domain.payment import Attempt, AttemptState
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.ports import SaleRepository


class TenderSaleState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    VOIDED = "voided"


@dataclass(frozen=True, slots=True)
class CashPart:
    seq: int
    amount: Money  # applied to the sale
    tendered: Money
    change: Money
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TenderSale:
    """A sale whose basket is committed and whose tenders are being taken."""

    sale: CompletedSale  # frozen template: lines, taxes, totals; receipt_no 0, no tenders
    state: TenderSaleState
    cash: tuple[CashPart, ...]
    created_at: datetime
    receipt_no: int | None = None
    reason: str | None = None

    @property
    def sale_id(self) -> UUID:
        return self.sale.sale_id

    @property
    def total(self) -> Money:
        return self.sale.total


class PaymentRepository(Protocol):
    # sales being tendered
    def open_sale(self, sale: CompletedSale, now: datetime) -> None: ...
    def get_sale(self, sale_id: UUID) -> TenderSale | None: ...
    def sales_in(self, state: TenderSaleState) -> list[TenderSale]: ...
    def set_sale_state(self, sale_id: UUID, state: TenderSaleState, now: datetime, *,
                       receipt_no: int | None = None, reason: str | None = None) -> None: ...
    def add_cash(self, sale_id: UUID, amount: Money, tendered: Money, change: Money,
                 now: datetime) -> CashPart: ...

    # attempts
    def add_attempt(self, attempt: Attempt, create_key: str, params_json: str) -> None: ...
    def get_attempt(self, attempt_id: UUID) -> Attempt | None: ...
    def transition(self, attempt_id: UUID, expected: AttemptState, target: AttemptState, *,
                   now: datetime, expected_try: int | None = None, **changes: Any) -> Attempt:
        """The only way an attempt's row changes: a compare-and-set on its state (and reader
        try, if given), checked against ``domain.payment.check_change``; the attempt as it
        now is. Raises ``AttemptMoved`` (with ``current``) when it was not as expected."""
        ...
    def attempts_for_sale(self, sale_id: UUID) -> list[Attempt]: ...
    def attempts_in(self, states: Iterable[AttemptState]) -> list[Attempt]: ...

    # outbox
    def enqueue(self, op: Operation) -> None: ...
    def save_operation(self, op: Operation, expected: Operation | None = None) -> bool:
        """With ``expected``: a compare-and-set on its state, tries and key generation;
        False (nothing written) if the row moved on meanwhile."""
        ...
    def get_operation(self, op_id: UUID) -> Operation | None: ...
    def due_operations(self, now: datetime, limit: int) -> list[Operation]: ...
    def open_operations(self) -> list[Operation]: ...
    def operations_for_attempt(self, attempt_id: UUID) -> list[Operation]: ...

    # events sweep
    def mark_event_seen(self, event_id: str, type_: str, created: int, now: datetime) -> bool:
        """Record an event id; False if it was already seen (nothing written)."""
        ...
    def last_event_created(self) -> int | None: ...

    # settings (reader, location): not secrets
    def get_setting(self, name: str) -> str | None: ...
    def set_setting(self, name: str, value: str) -> None: ...


class PaymentUnitOfWork(Protocol):
    @property
    def sales(self) -> SaleRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class PaymentUnitOfWorkFactory(Protocol):
    def __call__(self) -> PaymentUnitOfWork: ...
