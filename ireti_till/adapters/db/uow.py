"""``SqlUnitOfWork``: one use case = one connection = one ``BEGIN IMMEDIATE`` transaction.

Explicit commit (as in cosmicpython's unit of work): leaving the ``with`` block without
``commit()`` rolls back. The transaction starts lazily at the first statement (the
engine's ``begin`` hook emits ``BEGIN IMMEDIATE``), so a unit of work that ends up
writing nothing never takes the write lock. Database failures leave as ``LedgerError``
with a code and a message for the person at the till.

Later features add their repositories without editing this file::

    register_repository("staff", SqlStaffRepository)   # factory(connection) -> repo

and then find them as ``uow.staff`` inside the ``with`` block.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from ireti_till.adapters.db.catalog_repo import SqlCatalogRepository
from ireti_till.adapters.db.engine import READ_ONLY_OPTION
from ireti_till.adapters.db.sale_repo import SqlSaleRepository
from ireti_till.domain.errors import LedgerError
from ireti_till.services.ports import CatalogRepository, SaleRepository

_EXTRA_REPOSITORIES: dict[str, Callable[[Connection], Any]] = {}


def register_repository(name: str, factory: Callable[[Connection], Any]) -> None:
    """Make ``factory(connection)`` available as ``uow.<name>`` in every unit of work."""
    if name in {"catalog", "sales", "connection"}:
        raise ValueError(f"{name!r} is a built-in repository name")
    _EXTRA_REPOSITORIES[name] = factory


def ledger_error(exc: SQLAlchemyError) -> LedgerError:
    """Translate a database failure into the error the cashier sees."""
    text = str(getattr(exc, "orig", exc))
    if isinstance(exc, OperationalError) and "locked" in text:
        return LedgerError(
            "The till's database is busy and nothing was saved. Try again; if it keeps "
            "happening, close other copies of Ireti Till.", code="IT-206",
        )
    if isinstance(exc, DBAPIError) and ("malformed" in text or "not a database" in text):
        return LedgerError(
            "The till's database is damaged. Do not trade: call support and restore the "
            "latest backup.", code="IT-201",
        )
    return LedgerError(
        f"The till could not save to its database ({text[:120]}). Nothing was saved: "
        "check the disk and try again.", code="IT-203",
    )


class SqlUnitOfWork:
    catalog: CatalogRepository
    sales: SaleRepository
    connection: Connection

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        try:
            conn = self._engine.connect()
        except SQLAlchemyError as exc:
            raise ledger_error(exc) from exc
        if self._read_only:
            conn = conn.execution_options(**{READ_ONLY_OPTION: True})
        self._conn = self.connection = conn
        self.catalog = SqlCatalogRepository(conn)
        self.sales = SqlSaleRepository(conn)
        for name, factory in _EXTRA_REPOSITORIES.items():
            setattr(self, name, factory(conn))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
        if isinstance(exc, SQLAlchemyError):
            raise ledger_error(exc) from exc

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work's with-block")
        try:
            self._conn.commit()
        except SQLAlchemyError as exc:
            raise ledger_error(exc) from exc

    def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction():
            self._conn.rollback()
