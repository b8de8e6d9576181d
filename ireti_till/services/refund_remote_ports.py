"""The local record of a cross-till refund, and what the refund service needs to keep it.

A ``RemoteRefundEntry`` is committed to this till's ledger before the back office is asked to
reserve anything: the sale as the server showed it (``sale_json``), what is refunded (lines,
and the amount per payment of the original sale) and where the reservation stands:

``reserving`` -> ``refused`` (IT-711, final) | ``confirm`` (the local refund is committed) |
``release`` (abandoned, or failed before any money moved); ``confirm`` -> ``confirmed`` and
``release`` -> ``released`` once the server acknowledged (the settle job retries until then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class RemoteState(StrEnum):
    RESERVING = "reserving"
    REFUSED = "refused"
    RELEASE = "release"
    RELEASED = "released"
    CONFIRM = "confirm"
    CONFIRMED = "confirmed"


#: states the settle job still has work for
UNSETTLED = (RemoteState.RESERVING, RemoteState.RELEASE, RemoteState.CONFIRM)


@dataclass(frozen=True, slots=True)
class RemoteRefundEntry:
    refund_id: UUID
    sale_id: str
    origin_till: str
    receipt_no: int
    currency: str
    amount_minor: int
    sale_json: str
    lines: tuple[tuple[int, int], ...]  # (line_no, quantity)
    legs: tuple[tuple[int, int], ...]  # (tender_seq of the original sale, amount_minor)
    state: RemoteState
    created_at: datetime
    updated_at: datetime
    tries: int = 0
    last_error: str | None = None

    @property
    def receipt_code(self) -> str:
        return f"{self.origin_till}-{self.receipt_no:06d}"


class RemoteRefundLog(Protocol):
    """Each call is its own committed transaction."""

    def add(self, entry: RemoteRefundEntry) -> None: ...
    def get(self, refund_id: UUID) -> RemoteRefundEntry | None: ...
    def move(self, refund_id: UUID, expected: tuple[RemoteState, ...], target: RemoteState,
             now: datetime, error: str | None = None) -> bool:
        """``target`` if the row is in one of ``expected`` (True), else nothing (False)."""
        ...
    def note_try(self, refund_id: UUID, now: datetime, error: str) -> None: ...
    def unsettled(self) -> list[RemoteRefundEntry]: ...
    def for_refunds(self, refund_ids: list[UUID]) -> dict[UUID, RemoteRefundEntry]: ...
