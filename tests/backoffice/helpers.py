"""Helpers for the back-office tests: sales rung through the real ledger, a live server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, text

from ireti_till.adapters.db.ledger import Ledger
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender
from ireti_till.server.app import create_app
from tests.backoffice.pg import free_port
from tests.fixtures.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def make_sale(till_id: str, *, lines: int = 2, qty: int = 2) -> CompletedSale:
    at = datetime.now(UTC)
    sale_lines = tuple(
        SaleLine(line_no=i, sku=f"SKU{i:03d}", gtin=None, name=f"Item {i}", quantity=qty,
                 unit_price=eur(150), list_price=eur(150), discount=eur(0),
                 total=eur(150 * qty), tax_code="S", tax=eur(25 * qty))
        for i in range(1, lines + 1))
    total, tax = eur(150 * qty * lines), eur(25 * qty * lines)
    change = eur(10000) - total
    return CompletedSale(
        sale_id=uuid.uuid4(), till_id=till_id, receipt_no=0, cashier="Ada",
        started_at=at - timedelta(seconds=30), completed_at=at, currency="EUR",
        lines=sale_lines, taxes=(TaxLine("S", "20%", net=total - tax, tax=tax, gross=total),),
        tenders=(Tender("cash", amount=total, tendered=eur(10000), change=change),),
        subtotal=total, discount_total=eur(0), tax_total=tax, total=total, change=change,
        training=False)


def ring(ledger: Ledger, till_id: str, n: int = 1, **kw: int) -> list[CompletedSale]:
    out = []
    for _ in range(n):
        with ledger.uow_factory() as uow:
            out.append(uow.sales.add(make_sale(till_id, **kw)))
            uow.commit()
    return out


def feed_rows(ledger: Ledger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM bo_feed")).scalar_one())


def server_counts(engine: Engine, till_id: str) -> dict[str, int]:
    """Stored items per status, and the number of distinct keys stored as 'ok'."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT status, count(*), count(DISTINCT item_key) FROM feed_items "
            "WHERE till_id = :t GROUP BY status"), {"t": till_id}).all()
    out = {str(s): int(n) for s, n, _k in rows}
    out["ok_keys"] = next((int(k) for s, _n, k in rows if s == "ok"), 0)
    return out


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    wait_until(predicate, timeout, what)


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1, verify=False).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def thread_server(engine: Engine, tls: tuple[Path, Path] | None = None,
                  **kw: object) -> Iterator[str]:
    """The app on uvicorn in a thread of this process, on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(create_app(engine, **kw), host="127.0.0.1", port=port,  # type: ignore[arg-type]
                            log_level="warning", lifespan="off",
                            ssl_certfile=str(tls[0]) if tls else None,
                            ssl_keyfile=str(tls[1]) if tls else None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    wait_for(lambda: _up(url), what="server start")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


def scrape(url: str, engine: Engine, token: str | None = None) -> httpx.Response:
    """``GET /metrics`` as Prometheus does, with a scrape token (a new one unless given)."""
    from ireti_till.server import auth

    token = token or auth.make_metrics_token(engine, "prometheus")
    return httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"})


class ServerProcess:
    """``ireti-till server run`` as a real subprocess (so a test can SIGKILL it)."""

    def __init__(self, db_url: str, port: int | None = None, *extra: str) -> None:
        self.db_url, self.port, self.extra = db_url, port or free_port(), extra
        self.proc: subprocess.Popen[bytes] | None = None
        scheme = "https" if "--cert" in extra else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "IRETI_SERVER_DATABASE_URL": self.db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ireti_till", "server", "run", "--port", str(self.port),
             *self.extra], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        wait_for(lambda: _up(self.url), what="server process start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None


@contextlib.contextmanager
def enrolled_composed_till(qtbot: Any, data_dir: Path, url: str, token: str) -> Iterator[Any]:
    """The real till (training, ``tests.ui.conftest.open_till``, no demo products) enrolled
    with the back office at ``url`` under ``token``, its background phases started; closed
    afterwards."""
    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.backoffice_wiring import TOKEN_NAME
    from ireti_till.adapters.secrets import SecretStore
    from tests.ui.conftest import open_till

    opened = open_till(qtbot, data_dir, products=False)
    till = next(opened)
    try:
        SqlFeedStore(till.ledger.engine).set_state("url", url)
        SecretStore(data_dir, training=True).set(TOKEN_NAME, token)
        till.start_background()
        yield till
    finally:
        next(opened, None)  # closes the window and the till
