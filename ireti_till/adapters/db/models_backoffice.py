"""Ledger tables of the back-office feed (migration ``0009_backoffice_feed``).

``bo_feed`` is filled only by triggers (``adapters/backoffice_feed_triggers.py``): their
content never changes, and only rows the server acknowledged may be deleted (the retention
prune, migration ``0011_backoffice_prune``); the sync client sets ``wire_seq`` (the number
sent) and ``acked_at`` (committed on the server). ``bo_state`` holds the server's address, the
till id, the pinned certificate (public) and the catalog version: never a secret."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base

__all__ = ["FeedRow", "FeedState"]


class FeedRow(Base):
    __tablename__ = "bo_feed"
    __table_args__ = (
        Index("uq_bo_feed_wire_seq", "wire_seq", unique=True),
        Index("ix_bo_feed_pending", "id", sqlite_where=text("acked_at IS NULL")),
        Index("ix_bo_feed_acked", "acked_at", sqlite_where=text("acked_at IS NOT NULL")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(27))
    payload: Mapped[str] = mapped_column(Text)
    wire_seq: Mapped[int | None] = mapped_column(Integer)
    acked_at: Mapped[str | None] = mapped_column(String(27))


class FeedState(Base):
    __tablename__ = "bo_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
