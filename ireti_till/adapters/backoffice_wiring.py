"""Putting the till's back-office pieces together (called from the composition root).

The token is in the OS keyring (``SecretStore``) under ``backoffice_token``; the address,
till id and pinned certificate (public) are in the ledger's ``bo_state``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from ireti_till.adapters.backoffice_client import BackofficeClient, fetch_pinned_cert
from ireti_till.adapters.backoffice_feed import SqlFeedStore
from ireti_till.adapters.clock import SystemClock
from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import SyncStatus
from ireti_till.services.backoffice_alerts import AlertsOutbox
from ireti_till.services.backoffice_catalog import AuditRecord, BackofficeCatalog
from ireti_till.services.backoffice_prune import DEFAULT_RETENTION_DAYS, FeedPrune
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from ireti_till.services.backoffice_sync import BackofficeSync
from ireti_till.services.ports import Clock, UnitOfWorkFactory

TOKEN_NAME = "backoffice_token"  # noqa: S105 - the keyring entry's name


class Secrets(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...


def enrol_till(engine: Engine, secrets: Secrets, url: str, till_id: str, code: str,
               fingerprint: str | None) -> None:
    """Pin the server's certificate, exchange the code for a token, keep it in the keyring."""
    cert = fetch_pinned_cert(url, fingerprint or "") if url.startswith("https") else None
    client = BackofficeClient(url, None, cert)
    try:
        token = client.enrol(till_id, code)
    finally:
        client.close()
    secrets.set(TOKEN_NAME, token)
    store = SqlFeedStore(engine)
    store.set_state("url", url)
    store.set_state("till_id", till_id)
    store.set_state("cert_pem", cert or "")


class ClientFactory:
    """The client for the configured server, or None while the till is not enrolled."""

    def __init__(self, engine: Engine, secrets: Secrets) -> None:
        self._store = SqlFeedStore(engine)
        self._secrets = secrets
        self._lock = threading.Lock()
        self._client: BackofficeClient | None = None
        self._config: tuple[str, str, str] | None = None

    def enrolled(self) -> bool:
        return bool(self._store.get_state("url")) and bool(self._secrets.get(TOKEN_NAME))

    def __call__(self) -> BackofficeClient | None:
        url = self._store.get_state("url")
        token = self._secrets.get(TOKEN_NAME)
        if not url or not token:
            return None
        config = (url, token, self._store.get_state("cert_pem") or "")
        with self._lock:
            if self._client is None or config != self._config:
                if self._client is not None:
                    self._client.close()
                self._client = BackofficeClient(url, token, config[2] or None)
                self._config = config
            return self._client


def make_sync(engine: Engine, secrets: Secrets, clock: Clock | None = None,
              **options: int) -> tuple[BackofficeSync, ClientFactory]:
    """``BackofficeSync`` on the ledger ``engine``; register ``sync.run_once`` as the
    periodic job and show ``sync.status(factory.enrolled())`` in the status bar."""
    factory = ClientFactory(engine, secrets)
    sync = BackofficeSync(SqlFeedStore(engine), factory, clock or SystemClock(), **options)
    return sync, factory


@dataclass(frozen=True)
class Backoffice:
    """Everything the till needs from the back office, built once by the composition root.

    Register ``jobs()`` with the worker (``scheduler.add_periodic(name, func, every_s)``);
    show ``status()`` in the status bar and the queue panel; give ``refunds`` to the refund
    screen for sales of other tills; ``alerts.follow(AlertService.payload)`` sends the
    till's active alerts (checked every 15 s, sent when they change and every 5 min)."""

    sync: BackofficeSync
    catalog: BackofficeCatalog
    refunds: CrossTillRefunds
    factory: ClientFactory
    alerts: AlertsOutbox
    prune: FeedPrune

    def jobs(self) -> list[tuple[str, Callable[[], object], float]]:
        return [("backoffice-sync", self.sync.run_once, 5.0),
                ("backoffice-catalog", self.catalog.run_once, 300.0),
                ("backoffice-alerts", self.alerts.run_once, 15.0),
                ("backoffice-prune", self.prune.run_once, 3600.0)]

    def status(self) -> SyncStatus:
        return self.sync.status(self.factory.enrolled())


def make_backoffice(engine: Engine, secrets: Secrets, uow: UnitOfWorkFactory,
                    clock: Clock | None = None, audit: AuditRecord | None = None,
                    retention_days: int = DEFAULT_RETENTION_DAYS) -> Backoffice:
    """``audit(kind, actor, details)``: the till's audit trail (pulled tax-rate changes);
    ``retention_days``: how long acknowledged feed rows are kept (``[backoffice]``)."""
    sync, factory = make_sync(engine, secrets, clock)
    clock = clock or SystemClock()
    return Backoffice(sync, BackofficeCatalog(factory, uow, SqlFeedStore(engine), audit),
                      CrossTillRefunds(factory), factory,
                      AlertsOutbox(factory, SqlFeedStore(engine), clock),
                      FeedPrune(SqlFeedStore(engine), clock, retention_days=retention_days))


def require(factory: Callable[[], BackofficeClient | None]) -> BackofficeClient:
    client = factory()
    if client is None:
        raise BackofficeError("This till is not enrolled with a back office: ask the admin "
                              "for a code, then run 'ireti-till backoffice enrol'.",
                              code="IT-709")
    return client
