"""The declarative base every ledger model shares, and the column types it uses.

Other model modules (``models_staff.py``, ``models_payments.py``...) import ``Base`` from
here so Alembic sees one ``MetaData``. Constraint names follow a fixed convention so
migrations written by hand and by autogenerate agree (and SQLite batch mode can find them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Fixed-width UTC text, so string order is time order and the file stays readable.
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_text(value: datetime) -> str:
    """Format an aware datetime as fixed-width UTC text (``2026-11-26T03:00:00.000000Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the ledger stores timezone-aware datetimes only")
    return value.astimezone(UTC).strftime(_UTC_FORMAT)


def parse_utc_text(text: str) -> datetime:
    return datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as fixed-width UTC text; naive values are refused."""

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else utc_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_utc_text(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
