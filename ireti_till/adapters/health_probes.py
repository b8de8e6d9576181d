"""The ``HealthProbe`` adapter: reads the ledger, keyring, Stripe, reader, disk and backups.

Stripe is imported only when a key for the configured mode is in the keyring (training mode
never loads it). Every network call uses a short timeout and no retries: ``doctor`` must
answer in seconds even when the network is gone.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ireti_till.adapters import custody
from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.domain.errors import LedgerError
from ireti_till.services.backup import BackupService
from ireti_till.services.health_facts import (
    BackupFacts,
    DatabaseFacts,
    DiskFacts,
    KeyringFacts,
    LogFacts,
    QueueFacts,
    ReaderFacts,
    StripeFacts,
)

log = logging.getLogger(__name__)

STRIPE_TIMEOUT_S = 5.0
_PENDING = ("pending",)
_ATTENTION = ("reconcile", "failed")


def key_mode(key: str) -> str | None:
    for prefix, mode in (("sk_live_", "live"), ("rk_live_", "live"),
                         ("sk_test_", "test"), ("rk_test_", "test")):
        if key.startswith(prefix):
            return mode
    return None


def default_client_factory(key: str, api_base: str | None) -> Any:
    import stripe

    return stripe.StripeClient(
        key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=0,
        http_client=stripe.new_default_http_client(timeout=STRIPE_TIMEOUT_S),
    )


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class LocalHealthProbe:
    def __init__(
        self,
        data_dir: Path,
        *,
        mode: str = "training",
        reader_id: str = "",
        api_base: str | None = None,
        client_factory: Callable[[str, str | None], Any] = default_client_factory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILENAME
        self.mode = mode
        self.reader_id = reader_id
        self._api_base = api_base
        self._client_factory = client_factory
        self._clock = clock
        self._client: Any = None
        self._key_checked = False
        self._key: str | None = None

    # -- ledger -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)

    def _loose(self) -> tuple[str, ...]:
        d = self.data_dir
        files = [*custody.ledger_files(d), d / custody.CUSTODY_FILENAME, d / "config.toml",
                 d / "ireti-till.lock", d / "training-secrets.json",
                 d / "restore-history.jsonl"]
        folders = [d, d / "backups", d / "logs", d / "restore-aside"]
        for folder in folders[1:]:
            with contextlib.suppress(OSError):
                files.extend(p for p in folder.iterdir() if p.is_file())
        return tuple(custody.loose_modes([*folders, *files]))

    def database(self) -> DatabaseFacts:
        known, heads = migrate.script_revisions()
        loose = self._loose()
        try:
            custody.require_ledger(self.data_dir)
        except LedgerError as exc:
            return DatabaseFacts(self.db_path.exists(), "", frozenset(), frozenset(heads),
                                 frozenset(known), custody=str(exc), loose=loose)
        if not self.db_path.exists():
            return DatabaseFacts(False, "", frozenset(), frozenset(heads), frozenset(known),
                                 loose=loose)
        disk_full = False
        revisions: set[str] = set()
        try:
            conn = self._connect()
            try:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
                verdict = "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:3])
                if conn.execute(
                        "SELECT 1 FROM sqlite_master WHERE name='alembic_version'").fetchone():
                    revisions = {r[0] for r in conn.execute(
                        "SELECT version_num FROM alembic_version")}
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            disk_full = custody.is_disk_full(exc)
            verdict = f"cannot read the database: {exc}"
        return DatabaseFacts(True, verdict, frozenset(revisions), frozenset(heads),
                             frozenset(known), disk_full=disk_full, loose=loose)

    def queue(self) -> QueueFacts:
        if not self.db_path.exists():
            return QueueFacts(False)
        conn = self._connect()
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                                 "WHERE type='table'")}
            if "payment_outbox" not in tables:
                return QueueFacts(False)
            pending, oldest = conn.execute(
                "SELECT count(*), min(created_at) FROM payment_outbox WHERE state = 'pending'"
            ).fetchone()
            attention = conn.execute(
                "SELECT count(*) FROM payment_outbox WHERE state IN ('reconcile', 'failed')"
            ).fetchone()[0]
            nearest, uncaptured = None, 0
            if "card_attempts" in tables:
                uncaptured, nearest = conn.execute(
                    "SELECT count(*), min(capture_before) FROM card_attempts "
                    "WHERE state = 'authorised'").fetchone()
            return QueueFacts(True, int(pending), _parse_time(oldest), int(attention),
                              _parse_time(nearest), int(uncaptured))
        finally:
            conn.close()

    # -- secrets and Stripe -----------------------------------------------------------------
    def keyring(self) -> KeyringFacts:
        import keyring

        backend = type(keyring.get_keyring()).__name__
        try:
            keyring.get_password(KEYRING_SERVICE, "doctor-probe")
        except Exception as exc:  # noqa: BLE001 - NoKeyringError, locked, D-Bus errors
            first = str(exc).split(". ")[0]
            return KeyringFacts(False, backend, f"{type(exc).__name__}: {first}")
        return KeyringFacts(True, backend)

    def _stripe_key(self) -> str | None:
        if not self._key_checked:
            self._key_checked = True
            try:
                import keyring

                self._key = keyring.get_password(KEYRING_SERVICE,
                                                 STRIPE_KEY_USER.format(mode=self.mode))
            except Exception:  # noqa: BLE001 - reported by the keyring check
                self._key = None
        return self._key

    def _stripe_client(self) -> Any:
        if self._client is None:
            key = self._stripe_key()
            if key is None:
                return None
            self._client = self._client_factory(key, self._api_base)
        return self._client

    def stripe(self) -> StripeFacts:
        if self.mode == "training":
            return StripeFacts("training")
        key = self._stripe_key()
        if key is None:
            return StripeFacts(self.mode)
        kmode = key_mode(key)
        try:
            listing = self._stripe_client().v1.terminal.readers.list(params={"limit": 1})
        except Exception as exc:  # noqa: BLE001 - any SDK/network error means "not reachable"
            return StripeFacts(self.mode, kmode, False, f"{type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}")
        local = self._clock()
        server: datetime | None = None
        response = getattr(listing, "last_response", None)
        date_header = response.headers.get("Date") if response is not None else None
        if date_header:
            try:
                server = parsedate_to_datetime(date_header)
                if server.tzinfo is None:  # "GMT" / "-0000" parse as naive UTC
                    server = server.replace(tzinfo=UTC)
            except (TypeError, ValueError):
                server = None
        return StripeFacts(self.mode, kmode, True, "", server, local)

    def reader(self) -> ReaderFacts:
        if not self.reader_id:
            return ReaderFacts(False)
        if self.mode == "training":
            return ReaderFacts(True, self.reader_id, True, "simulated reader (training)")
        client = self._stripe_client()
        if client is None:
            return ReaderFacts(True, self.reader_id, None, error="no Stripe key")
        try:
            reader = client.v1.terminal.readers.retrieve(self.reader_id)
        except Exception as exc:  # noqa: BLE001
            return ReaderFacts(True, self.reader_id, None, error=type(exc).__name__)
        data = reader.to_dict()
        return ReaderFacts(True, self.reader_id, data.get("status") == "online",
                           str(data.get("label") or ""))

    # -- machine ----------------------------------------------------------------------------
    def disk(self) -> DiskFacts:
        usage = shutil.disk_usage(self.data_dir)
        return DiskFacts(str(self.data_dir), usage.free, usage.total)

    def backups(self) -> BackupFacts:
        archive = SqliteBackupArchive(self.db_path, self.data_dir / "backups")
        last = BackupService(archive, self._clock).last_verified()
        count = len(archive.records())
        return BackupFacts(last.created if last else None, last.name if last else "", count)

    def logs(self) -> LogFacts:
        directory = self.data_dir / "logs"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
                pass
        except OSError as exc:
            return LogFacts(str(directory), False, exc.strerror or str(exc))
        return LogFacts(str(directory), True)


