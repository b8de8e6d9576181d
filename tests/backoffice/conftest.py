"""Back-office fixtures: one real PostgreSQL cluster per test run, a fresh database per test,
the server on loopback, and tills (real SQLite ledgers) enrolled with it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.server import auth, db
from ireti_till.services.backoffice_sync import BackofficeSync
from tests.backoffice.helpers import thread_server
from tests.backoffice.pg import PgCluster

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    cluster = PgCluster()  # raises (test error, not a skip) when PostgreSQL is missing
    yield cluster
    cluster.close()


@pytest.fixture
def db_url(pg: PgCluster) -> str:
    return pg.create_database(f"t{next(_names)}")


@pytest.fixture
def server_engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url, pool_size=5)
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def server_url(server_engine: Engine) -> Iterator[str]:
    with thread_server(server_engine, secure_cookies=False) as url:
        yield url


class Secrets:
    """The till's keyring (the suite's in-memory keyring backend stands behind SecretStore
    elsewhere; here a dict is the same contract)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


class Till:
    def __init__(self, till_id: str, ledger: Ledger, secrets: Secrets) -> None:
        self.till_id, self.ledger, self.secrets = till_id, ledger, secrets
        self.sync, self.factory = wiring.make_sync(ledger.engine, secrets,
                                                   base_backoff_s=0, batch_size=50)

    def new_sync(self) -> BackofficeSync:
        """A fresh sync object, as after a restart of the till."""
        self.sync, self.factory = wiring.make_sync(self.ledger.engine, self.secrets,
                                                   base_backoff_s=0, batch_size=50)
        return self.sync


@pytest.fixture
def make_till(tmp_path: Path, server_engine: Engine) -> Iterator[Callable[..., Till]]:
    opened: list[Ledger] = []

    def make(till_id: str, url: str, store: str = "S1") -> Till:
        d = tmp_path / till_id
        d.mkdir()
        ledger = open_ledger(d)
        opened.append(ledger)
        secrets = Secrets()
        code = auth.make_enrolment(server_engine, till_id, store)
        wiring.enrol_till(ledger.engine, secrets, url, till_id, code, None)
        return Till(till_id, ledger, secrets)

    yield make
    for ledger in opened:
        ledger.close()
