"""One ledger transaction for the card-payment services (``PaymentUnitOfWork``).

The core ``SqlUnitOfWork`` (``BEGIN IMMEDIATE`` on the first statement, explicit commit,
database failures as ``LedgerError``) plus ``payments`` on the same connection, so a sale
completing and its card tender's capture being queued are one commit.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine

from ireti_till.adapters.db.payments_repo import SqlPaymentRepository
from ireti_till.adapters.db.uow import SqlUnitOfWork


class SqlPaymentUnitOfWork(SqlUnitOfWork):
    payments: SqlPaymentRepository

    def __enter__(self) -> Self:
        super().__enter__()
        self.payments = SqlPaymentRepository(self.connection)
        return self


class SqlPaymentUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlPaymentUnitOfWork:
        return SqlPaymentUnitOfWork(self.engine)
