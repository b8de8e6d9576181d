"""What the health probe reports: frozen facts (no I/O handles), and the probe port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    exists: bool
    integrity: str  # "ok" or the first problems
    revisions: frozenset[str] = frozenset()  # stamped in the database
    heads: frozenset[str] = frozenset()  # shipped with this version
    known: frozenset[str] = frozenset()  # every revision this version knows
    custody: str = ""  # a ledger this folder has had is missing/empty/incomplete (with code)
    disk_full: bool = False  # the check could not run because the disk is full
    loose: tuple[str, ...] = ()  # data files/folders readable by others ("path (mode)")


@dataclass(frozen=True, slots=True)
class KeyringFacts:
    usable: bool
    backend: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class StripeFacts:
    mode: str  # "training" | "test" | "live"
    key_mode: str | None = None  # mode the configured key is for (sk_test_ -> test)
    reachable: bool | None = None  # None: not tried (training)
    error: str = ""
    server_date: datetime | None = None  # Stripe's Date header
    local_date: datetime | None = None  # our clock when the response arrived


@dataclass(frozen=True, slots=True)
class ReaderFacts:
    configured: bool
    reader_id: str = ""
    online: bool | None = None
    label: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class QueueFacts:
    available: bool  # False: this version has no outbox table yet
    pending: int = 0
    oldest: datetime | None = None
    needs_attention: int = 0  # reconcile + failed
    nearest_capture_before: datetime | None = None
    uncaptured: int = 0


@dataclass(frozen=True, slots=True)
class DiskFacts:
    path: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True, slots=True)
class BackupFacts:
    last_verified: datetime | None
    name: str = ""
    count: int = 0


@dataclass(frozen=True, slots=True)
class LogFacts:
    directory: str
    writable: bool
    error: str = ""


class HealthProbe(Protocol):
    def database(self) -> DatabaseFacts: ...
    def keyring(self) -> KeyringFacts: ...
    def stripe(self) -> StripeFacts: ...
    def reader(self) -> ReaderFacts: ...
    def queue(self) -> QueueFacts: ...
    def disk(self) -> DiskFacts: ...
    def backups(self) -> BackupFacts: ...
    def logs(self) -> LogFacts: ...
