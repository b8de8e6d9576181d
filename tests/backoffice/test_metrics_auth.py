"""``/metrics`` needs a scrape token made by an admin (stored hashed); loopback is open only
with ``--metrics-loopback-open``; without or with a wrong token: 401 IT-742."""

from __future__ import annotations

import subprocess
import sys

import httpx
from sqlalchemy import Engine, text

from ireti_till.server import auth
from tests.backoffice.helpers import ROOT, ServerProcess, scrape, thread_server


def test_no_token_or_a_wrong_one_is_refused(server_url, server_engine: Engine) -> None:
    r = httpx.get(server_url + "/metrics")
    assert r.status_code == 401 and r.json()["error"]["code"] == "IT-742"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "ireti_" not in r.text
    for header in ("Bearer m.wrong-token-value", "Basic YWRtaW46YWRtaW4=", "Bearer x",
                   "Bearer " + "x" * 300):
        r = httpx.get(server_url + "/metrics", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["error"]["code"] == "IT-742", header
    good = scrape(server_url, server_engine)
    assert good.status_code == 200 and "ireti_backoffice_database_up 1.0" in good.text


def test_tokens_are_stored_hashed_replaced_and_revoked(server_url, server_engine: Engine) -> None:
    first = auth.make_metrics_token(server_engine, "prom-a")
    with server_engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM metrics_tokens")).scalar_one()
        audited = conn.execute(text("SELECT count(*) FROM audit WHERE action = "
                                    "'metrics_token.set'")).scalar_one()
    assert stored == auth.sha256(first) and first not in stored and audited == 1
    second = auth.make_metrics_token(server_engine, "prom-a")  # rotation: the old one goes
    assert auth.metrics_token_ok(server_engine, second)
    assert not auth.metrics_token_ok(server_engine, first)
    assert scrape(server_url, server_engine, second).status_code == 200
    assert scrape(server_url, server_engine, first).status_code == 401  # at once
    assert auth.revoke_metrics_token(server_engine, "prom-a")
    assert scrape(server_url, server_engine, second).status_code == 401  # from the next scrape


def test_loopback_is_open_only_with_the_flag(server_engine: Engine) -> None:
    with thread_server(server_engine, metrics_loopback_open=True) as url:
        r = httpx.get(url + "/metrics")
        assert r.status_code == 200 and "ireti_backoffice_database_up 1.0" in r.text
    with thread_server(server_engine) as url:
        assert httpx.get(url + "/metrics").status_code == 401


def test_the_cli_prints_a_token_once_and_the_server_flag_opens_loopback(
        db_url: str, server_engine: Engine) -> None:
    env_cmd = [sys.executable, "-m", "ireti_till", "server", "--database-url", db_url]
    out = subprocess.run([*env_cmd, "metrics-token", "prometheus"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, check=True).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("m.") and auth.metrics_token_ok(server_engine, token)
    server = ServerProcess(db_url, None, "--metrics-loopback-open")
    server.start()
    try:
        assert httpx.get(server.url + "/metrics").status_code == 200
    finally:
        server.stop()
    server = ServerProcess(db_url)
    server.start()
    try:
        assert httpx.get(server.url + "/metrics").status_code == 401
        assert scrape(server.url, server_engine, token).status_code == 200
    finally:
        server.stop()
    gone = subprocess.run([*env_cmd, "metrics-token", "prometheus", "--revoke"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert gone.returncode == 0 and not auth.metrics_token_ok(server_engine, token)


def test_a_known_token_still_scrapes_while_the_database_is_down(
        pg, server_url, server_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    token = auth.make_metrics_token(server_engine, "prom")
    stranger = "m.never-made-by-an-admin"
    assert scrape(server_url, server_engine, token).status_code == 200  # checked, remembered
    pg.stop()
    try:
        r = scrape(server_url, server_engine, token)
        assert r.status_code == 200 and "ireti_backoffice_database_up 0.0" in r.text
        r = scrape(server_url, server_engine, stranger)  # cannot be checked: not let in
        assert r.status_code == 503 and r.json()["error"]["code"] == "IT-706"
    finally:
        pg.start()
