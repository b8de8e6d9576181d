"""The till's active alerts reach the back office (issue 16): stored per till with a
revision (only the newest kept), on the fleet page and on /metrics; kept while offline."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine, text

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.backoffice_client import BackofficeClient
from ireti_till.adapters.backoffice_feed import SqlFeedStore
from ireti_till.adapters.clock import SystemClock
from ireti_till.server import auth, dashboard
from ireti_till.services.backoffice_alerts import AlertsOutbox
from tests.backoffice.helpers import scrape
from tests.backoffice.pg import free_port

SINCE = datetime(2026, 12, 5, 6, 0, tzinfo=UTC).isoformat()


def _alert(key: str, severity: str = "warning", acked: str = "") -> dict[str, str]:
    return {"key": key, "severity": severity, "title": f"Rule {key}",
            "message": f"{key} needs a look", "runbook": f"docs/runbook.md#{key}",
            "since": SINCE, "acknowledged_by": "u-7" if acked else "",
            "acknowledged_at": acked}


def _stored(engine: Engine, till: str) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT rule, acknowledged_by FROM till_alerts "
                                 "WHERE till_id = :t"), {"t": till}).all()
    return {str(r): a for r, a in rows}


def _metrics(url: str, engine: Engine) -> str:
    return scrape(url, engine).text


def test_active_alerts_are_stored_shown_and_exported(make_till, server_url,
                                                     server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    other = make_till("T02", server_url, store="S2")
    active = [_alert("queue_stuck", "critical"), _alert("disk_low")]
    outbox = AlertsOutbox(till.factory, SqlFeedStore(till.ledger.engine), SystemClock())
    outbox.follow(lambda: list(active))
    first = outbox.run_once()
    assert first.sent and first.alerts == 2
    assert _stored(server_engine, "T01") == {"queue_stuck": None, "disk_low": None}
    assert outbox.run_once().skipped == "unchanged"  # nothing new: nothing sent

    active[1] = _alert("disk_low", acked=datetime.now(UTC).isoformat())  # acknowledged
    second = outbox.run_once()
    assert second.sent and second.revision > first.revision
    assert _stored(server_engine, "T01")["disk_low"] == "u-7"
    other_box = AlertsOutbox(other.factory, SqlFeedStore(other.ledger.engine), SystemClock())
    other_box.follow(lambda: [_alert("backup_missing")])
    assert other_box.run_once().sent

    board = dashboard.board(server_engine)
    rows = {(a["till"], a["rule"]): a for a in board.till_alerts}
    assert set(rows) == {("T01", "queue_stuck"), ("T01", "disk_low"), ("T02", "backup_missing")}
    assert board.till_alerts[0]["rule"] == "queue_stuck"  # critical first
    assert rows[("T01", "disk_low")]["acknowledged"].startswith("u-7")
    assert rows[("T01", "queue_stuck")]["acknowledged"] == "no"

    body = _metrics(server_url, server_engine)
    assert ('ireti_backoffice_alerts_active{rule="queue_stuck",severity="critical",'
            'store="S1",till="T01"} 1.0') in body, body
    assert 'rule="backup_missing",severity="warning",store="S2",till="T02"' in body

    active.clear()  # all cleared on the till: cleared on the server
    assert outbox.run_once().sent
    assert _stored(server_engine, "T01") == {}
    assert "T01" not in re.findall(r'ireti_backoffice_alerts_active\{.*till="(T\d+)"',
                                   _metrics(server_url, server_engine))


def test_an_older_revision_never_replaces_a_newer_one(make_till, server_url,
                                                      server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    client = till.factory()
    assert client is not None
    assert client.put_alerts(200, [_alert("disk_low")])["stored"] is True
    late = client.put_alerts(100, [_alert("queue_stuck")])
    assert late == {"stored": False, "revision": 200}
    assert _stored(server_engine, "T01") == {"disk_low": None}
    # a till whose revision fell behind the server's (clock set back) still gets through
    box = AlertsOutbox(till.factory, SqlFeedStore(till.ledger.engine), SystemClock())
    client.put_alerts(10**15, [_alert("disk_low")])
    box.follow(lambda: [_alert("clock_skew")])
    assert box.run_once().sent
    assert _stored(server_engine, "T01") == {"clock_skew": None}


def test_offline_the_till_keeps_its_alerts_and_sends_the_newest_when_back(
        make_till, server_url, server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    dead = BackofficeClient(f"http://127.0.0.1:{free_port()}", "T01.x")
    online = [False]
    store = SqlFeedStore(till.ledger.engine)
    outbox = AlertsOutbox(lambda: till.factory() if online[0] else dead, store, SystemClock())
    active = [_alert("queue_stuck")]
    outbox.follow(lambda: list(active))
    run = outbox.run_once()
    assert not run.sent and run.error_code == "IT-700"
    active.append(_alert("reader_offline"))
    assert outbox.run_once().error_code == "IT-700"
    revision, sent, kept = outbox.pending()
    assert sent == 0 and [a["key"] for a in kept] == ["queue_stuck", "reader_offline"]

    restarted = AlertsOutbox(lambda: till.factory() if online[0] else dead, store,
                             SystemClock())  # the till restarts, still offline, then is back
    online[0] = True
    restarted.follow(lambda: list(active))
    back = restarted.run_once()
    assert back.sent and back.revision >= revision
    assert _stored(server_engine, "T01") == {"queue_stuck": None, "reader_offline": None}
    dead.close()


def test_alert_bodies_are_validated_and_need_a_till_token(make_till, server_url) -> None:
    till = make_till("T01", server_url)
    h = {"Authorization": f"Bearer {till.secrets.get(wiring.TOKEN_NAME)}"}
    r = httpx.put(server_url + "/v1/alerts", json={"revision": 1, "alerts": [_alert("x")]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "IT-701"
    for bad in ({"revision": -1, "alerts": []}, {"revision": 1, "alerts": "no"},
                {"revision": 1, "alerts": [{**_alert("x"), "severity": "doom"}]},
                {"revision": 1, "alerts": [{**_alert("x"), "since": "yesterday"}]},
                {"revision": 1, "alerts": [_alert("x")] * 51}):
        r = httpx.put(server_url + "/v1/alerts", headers=h, json=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "IT-740", bad
    r = httpx.put(server_url + "/v1/alerts", headers=h,
                  content=b'{"revision": 1, "alerts": [' + b" " * 70_000 + b"]}")
    assert r.status_code == 413


def test_the_fleet_page_lists_the_alerts(make_till, server_url, server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    client = till.factory()
    assert client is not None
    client.put_alerts(1, [_alert("queue_stuck", "critical")])
    auth.add_user(server_engine, "admin", "correct horse battery")
    with httpx.Client(base_url=server_url) as web:
        form = web.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        web.post("/login", data={"csrf": csrf.group(1), "name": "admin",
                                 "password": "correct horse battery"})
        page = web.get("/").text
    section = page.split('id="till-alerts"', 1)[1].split("</section>", 1)[0]
    assert "T01" in section and "queue_stuck" in section and "critical" in section


def test_backoffice_status_says_whether_the_alerts_reached_the_server(
        make_till, server_url, capsys) -> None:  # type: ignore[no-untyped-def]
    from ireti_till.commands import backoffice as backoffice_command

    till = make_till("T01", server_url)
    data_dir = str(till.ledger.path.parent)
    assert backoffice_command.main(["--data-dir", data_dir, "status"]) == 0
    assert "alerts: none noted for the back office yet" in capsys.readouterr().out
    dead = BackofficeClient(f"http://127.0.0.1:{free_port()}", "T01.x")
    box = AlertsOutbox(lambda: dead, SqlFeedStore(till.ledger.engine), SystemClock())
    box.follow(lambda: [_alert("disk_low")])
    box.run_once()
    assert backoffice_command.main(["--data-dir", data_dir, "status"]) == 0
    assert "alerts: disk_low (waiting to be sent" in capsys.readouterr().out
    box = AlertsOutbox(till.factory, SqlFeedStore(till.ledger.engine), SystemClock())
    box.follow(lambda: [_alert("disk_low")])
    box.run_once()
    assert backoffice_command.main(["--data-dir", data_dir, "status"]) == 0
    assert "alerts: disk_low (sent, revision" in capsys.readouterr().out
    dead.close()
