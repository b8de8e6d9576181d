"""Ports of the print queue: the job rows, the printer, the mail server (Protocols)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self

from ireti_till.domain.print_doc import Op, PrinterStatus
from ireti_till.services.ports import UnitOfWork
from ireti_till.services.staff_ports import AuditRepository

JOB_STATES = ("pending", "printed", "failed", "dropped")


@dataclass(frozen=True, slots=True)
class PrintJob:
    job_id: str
    kind: str  # receipt, refund, z, x, test, drawer
    channel: str  # printer | email
    ref: str  # receipt code, Z number...
    document: str  # JSON ops (print_doc)
    state: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    copy: bool = False
    kick: bool = False
    target: str | None = None  # email address
    last_error: str | None = None


class PrintRepository(Protocol):
    def add(self, job: PrintJob) -> None: ...
    def get(self, job_id: str) -> PrintJob | None: ...
    def due(self, channel: str, limit: int = 20) -> list[PrintJob]:
        """Pending and failed jobs of ``channel``, oldest first."""
        ...
    def mark(self, job_id: str, expected: str, new: str, *, attempts: int,
             error: str | None, at: datetime) -> bool:
        """Compare-and-set of the state; False when the job moved meanwhile."""
        ...
    def recent(self, limit: int = 50) -> list[PrintJob]: ...
    def by_ref(self, ref: str) -> list[PrintJob]: ...


class PrintUnitOfWork(UnitOfWork, Protocol):
    prints: PrintRepository

    def __enter__(self) -> Self: ...


class PrintAuditUnitOfWork(PrintUnitOfWork, Protocol):
    audit: AuditRepository


PrintUowFactory = Callable[[], PrintUnitOfWork]


class PrinterPort(Protocol):
    def print(self, ops: list[Op], *, kick: bool = False, cut: bool = True) -> None:
        """Print (and kick the drawer first when asked); ``PrinterError`` if it cannot."""
        ...
    def status(self) -> PrinterStatus: ...


class MailPort(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; ``PrinterError`` (IT-627) when the server cannot be reached."""
        ...
