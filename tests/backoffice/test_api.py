"""The server's API: validation, size caps, auth, enrolment, TLS pinning, health, metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.backoffice_client import BackofficeClient, check_url
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.domain.errors import BackofficeError
from ireti_till.server import auth, tls
from tests.backoffice.conftest import Secrets
from tests.backoffice.helpers import ServerProcess, ring, scrape, server_counts


def _auth(till) -> dict[str, str]:
    return {"Authorization": f"Bearer {till.secrets.get(wiring.TOKEN_NAME)}"}


def test_bodies_are_validated_and_capped(make_till, server_url) -> None:
    till = make_till("T01", server_url)
    h = _auth(till)
    r = httpx.post(server_url + "/v1/feed", headers=h, json={"items": [{"seq": 0}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "IT-704"
    r = httpx.post(server_url + "/v1/feed", headers=h, content=b"{not json")
    assert r.json()["error"]["code"] == "IT-704"
    big = b'{"items": [' + b" " * 2_100_000 + b"]}"
    r = httpx.post(server_url + "/v1/feed", headers=h, content=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "IT-705"
    gap = {"items": [{"seq": 1, "kind": "sale", "key": "a", "at": "x", "payload": {}},
                     {"seq": 3, "kind": "sale", "key": "b", "at": "x", "payload": {}}]}
    assert httpx.post(server_url + "/v1/feed", headers=h, json=gap).status_code == 422


def test_no_or_wrong_token_is_refused(server_url) -> None:
    assert httpx.get(server_url + "/v1/feed/state").json()["error"]["code"] == "IT-701"
    r = httpx.get(server_url + "/v1/feed/state", headers={"Authorization": "Bearer T01.nope"})
    assert r.status_code == 401


def test_an_enrolment_code_works_once(server_url, server_engine: Engine) -> None:
    code = auth.make_enrolment(server_engine, "T05", "S1")
    client = BackofficeClient(server_url, None)
    token = client.enrol("T05", code)
    with pytest.raises(BackofficeError) as e:
        client.enrol("T05", code)
    assert e.value.code == "IT-703"
    with server_engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM tills WHERE id='T05'")).scalar_one()
    assert stored == auth.sha256(token) and token not in stored  # only the hash is kept


def test_a_gap_in_numbers_asks_the_till_to_renumber(make_till, server_url,
                                                    server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 1)
    till.sync.run_once()
    item = {"seq": 9, "kind": "sale", "key": "x", "at": "2026-12-04T10:00:00Z", "payload": {}}
    r = httpx.post(server_url + "/v1/feed", headers=_auth(till), json={"items": [item]})
    assert r.json()["renumber"] is True and r.json()["acked_through"] == 5
    item = {"seq": 3, "kind": "sale", "key": "x", "at": "2026-12-04T10:00:00Z",
            "payload": {"other": 1}}
    r = httpx.post(server_url + "/v1/feed", headers=_auth(till), json={"items": [item]})
    assert r.json()["flagged"] == 1 and r.json()["renumber"] is True
    with server_engine.connect() as conn:  # the stored row is untouched, the clash recorded
        assert conn.execute(text("SELECT count(*) FROM feed_flags")).scalar_one() == 1
    assert server_counts(server_engine, "T01") == {"ok": 5, "ok_keys": 5}


def test_plain_http_only_on_loopback() -> None:
    assert check_url("http://127.0.0.1:8470")[0] == "http"
    with pytest.raises(BackofficeError) as e:
        check_url("http://192.0.2.10:8470")
    assert e.value.code == "IT-708"


def test_health_ready_and_metrics(make_till, server_url, server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 2)
    till.sync.run_once()
    assert httpx.get(server_url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server_url + "/readyz").json() == {"status": "ready"}
    body = scrape(server_url, server_engine).text
    assert 'ireti_till_feed_high_water{store="S1",till="T01"} 10.0' in body
    assert "ireti_till_last_seen_timestamp_seconds" in body
    assert "ireti_backoffice_database_up 1.0" in body


def test_readyz_fails_until_migrated(pg) -> None:
    from ireti_till.server import db
    from tests.backoffice.helpers import thread_server

    engine = db.make_engine(pg.create_database("unmigrated"), pool_size=1)
    try:
        with thread_server(engine) as url:
            r = httpx.get(url + "/readyz")
            assert r.status_code == 503 and "migrate" in r.json()["reason"]
    finally:
        engine.dispose()


def test_tls_with_a_pinned_certificate(db_url, server_engine: Engine, tmp_path: Path) -> None:
    fp = tls.make_self_signed(tmp_path / "s.crt", tmp_path / "s.key", ["127.0.0.1"])
    server = ServerProcess(db_url, None, "--cert", str(tmp_path / "s.crt"), "--key",
                           str(tmp_path / "s.key"))
    server.start()
    try:
        d = tmp_path / "till"
        d.mkdir()
        ledger = open_ledger(d)
        try:
            secrets = Secrets()
            code = auth.make_enrolment(server_engine, "T09", "S1")
            with pytest.raises(BackofficeError) as e:
                wiring.enrol_till(ledger.engine, secrets, server.url, "T09", code, "00" * 32)
            assert e.value.code == "IT-702" and secrets.get(wiring.TOKEN_NAME) is None
            wiring.enrol_till(ledger.engine, secrets, server.url, "T09", code,
                              tls.pretty(fp))
            sync, _factory = wiring.make_sync(ledger.engine, secrets)
            ring(ledger, "T09", 1)
            assert sync.run_once().acked == 5
            # another certificate on the same address: the pinned till refuses to talk
            other = BackofficeClient(server.url, secrets.get(wiring.TOKEN_NAME),
                                     (tmp_path / "s.crt").read_text())
            assert other.high_water() == 5
            tls.make_self_signed(tmp_path / "o.crt", tmp_path / "o.key", ["127.0.0.1"])
            wrong = BackofficeClient(server.url, "x", (tmp_path / "o.crt").read_text())
            with pytest.raises(BackofficeError) as e:
                wrong.high_water()
            assert e.value.code == "IT-702"
        finally:
            ledger.close()
    finally:
        server.stop()


def test_metrics_forward_card_latency_and_decline_rate(make_till, server_url,
                                                       server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    with till.ledger.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tender_sales (sale_id, till_id, currency, total_minor, state, sale_json,"
            " created_at, updated_at) VALUES ('s1', 'T01', 'EUR', 500, 'open', '{}', :t, :t)"),
            {"t": "2026-12-04T10:00:00.000000Z"})
        for n, outcome in ((1, "authorised"), (2, "declined"), (3, "authorised"),
                           (4, "authorised")):
            conn.execute(text(
                "INSERT INTO card_attempts (attempt_id, sale_id, till_id, amount_minor, "
                "currency, state, create_key, params_json, reader_try, created_at, updated_at)"
                " VALUES (:a, 's1', 'T01', 500, 'EUR', 'planned', :a, '{}', 0, :t, :t)"),
                {"a": f"a{n}", "t": "2026-12-04T10:00:00.000000Z"})
            conn.execute(text("UPDATE card_attempts SET state = :s, updated_at = :t WHERE "
                              "attempt_id = :a"),
                         {"s": outcome, "a": f"a{n}", "t": f"2026-12-04T10:00:0{n}.000000Z"})
    till.sync.run_once()
    body = scrape(server_url, server_engine).text
    assert 'ireti_store_card_decline_ratio{store="S1"} 0.25' in body
    assert 'ireti_store_card_latency_seconds_count{store="S1"} 4.0' in body
    assert 'ireti_store_card_latency_seconds_bucket{le="2.0",store="S1"} 2.0' in body


def test_server_and_till_commands(db_url, tmp_path: Path, capsys, monkeypatch) -> None:
    from ireti_till.commands import backoffice as till_cmd
    from ireti_till.commands import server as server_cmd
    from ireti_till.server import db
    from tests.backoffice.helpers import thread_server

    conf = tmp_path / "server.toml"
    conf.write_text(f'[server]\ndatabase_url = "{db_url}"\n', encoding="utf-8")
    assert server_cmd.main(["--config", str(conf), "migrate"]) == 0
    monkeypatch.setenv("IRETI_SERVER_DATABASE_URL", db_url)
    assert server_cmd.main(["enrol", "T07", "--store", "S3"]) == 0
    code = capsys.readouterr().out.split("one-time code ")[1].split()[0]
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long enough password\n"))
    assert server_cmd.main(["user", "add", "ade"]) == 0
    assert server_cmd.main(["run", "--host", "0.0.0.0"]) == 2  # plain HTTP off loopback
    assert "IT-708" in capsys.readouterr().err
    engine = db.make_engine(db_url, pool_size=2)
    try:
        with thread_server(engine) as url:
            data = str(tmp_path / "till")
            Path(data).mkdir()
            assert till_cmd.main(["--data-dir", data, "enrol", url, "T07", code]) == 0
            assert till_cmd.main(["--data-dir", data, "status"]) == 0
            assert "back office: up to date" in capsys.readouterr().out
            assert server_cmd.main(["revoke", "T07"]) == 0
            assert till_cmd.main(["--data-dir", data, "sync"]) == 1
            assert "IT-701" in capsys.readouterr().err
        assert server_cmd.main(["revoke", "T99"]) == 2
    finally:
        engine.dispose()


def test_a_known_record_with_other_contents_is_flagged_never_overwritten(
        make_till, server_url, server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    sale = ring(till.ledger, "T01", 1)[0]
    till.sync.run_once()
    key = f"sale:{sale.sale_id}"
    forged = {"seq": 6, "kind": "sale", "key": key, "at": "2026-12-04T10:00:00Z",
              "payload": {"id": str(sale.sale_id), "total_minor": 1}}
    r = httpx.post(server_url + "/v1/feed", headers=_auth(till), json={"items": [forged]})
    assert r.json()["flagged"] == 1 and r.json()["acked_through"] == 6
    with server_engine.connect() as conn:
        rows = conn.execute(text("SELECT status, payload->>'total_minor' FROM feed_items "
                                 "WHERE item_key = :k ORDER BY seq"), {"k": key}).all()
    assert rows == [("ok", str(sale.total.minor)), ("flagged", "1")]
    assert "ireti_feed_flagged_total 1.0" in scrape(server_url, server_engine).text


def test_sign_in_locks_a_name_after_five_wrong_passwords(server_url,
                                                         server_engine: Engine) -> None:
    auth.add_user(server_engine, "lockme", "the right password")
    with httpx.Client(base_url=server_url) as web:
        def attempt(password: str) -> httpx.Response:
            web.get("/login")
            return web.post("/login", data={"csrf": web.cookies.get("bo_pre"),
                                            "name": "lockme", "password": password})
        for _ in range(5):
            assert "Wrong name or password" in attempt("wrong!").text
        r = attempt("the right password")
        assert r.status_code == 401 and "Too many wrong passwords" in r.text
        assert "bo_session" not in web.cookies
        r = web.post("/login", data={"csrf": "forged", "name": "x", "password": "y"})
        assert "IT-721" in r.text
