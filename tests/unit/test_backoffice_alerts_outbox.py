"""AlertsOutbox (issue 16) without a server: when it sends, what revision, what it keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ireti_till.domain.errors import BackofficeError
from ireti_till.services.backoffice_alerts import AlertsOutbox
from tests.fakes import FakeClock


class State:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get_state(self, name: str) -> str | None:
        return self.values.get(name)

    def set_state(self, name: str, value: str) -> None:
        self.values[name] = value


class Api:
    def __init__(self) -> None:
        self.calls: list[tuple[int, list[dict[str, str]]]] = []
        self.down = False
        self.stored_revision = 0

    def put_alerts(self, revision: int, alerts: list[dict[str, str]]) -> dict[str, Any]:
        if self.down:
            raise BackofficeError("away", code="IT-700")
        self.calls.append((revision, alerts))
        if revision < self.stored_revision:
            return {"stored": False, "revision": self.stored_revision}
        self.stored_revision = revision
        return {"stored": True, "revision": revision}


def _alert(key: str) -> dict[str, str]:
    return {"key": key, "severity": "warning", "title": key, "message": "", "runbook": "",
            "since": "2026-12-05T06:00:00+00:00", "acknowledged_by": "",
            "acknowledged_at": ""}


def _box(api: Api, state: State, clock: FakeClock, active: list[dict[str, str]]) -> AlertsOutbox:
    box = AlertsOutbox(lambda: api, state, clock, resend_s=300)  # type: ignore[arg-type]
    box.follow(lambda: list(active))
    return box


def test_sent_on_change_and_again_after_the_resend_interval() -> None:
    api, state, clock = Api(), State(), FakeClock(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))
    active = [_alert("disk_low")]
    box = _box(api, state, clock, active)
    assert box.run_once().sent and len(api.calls) == 1
    clock.advance(15)
    assert box.run_once().skipped == "unchanged" and len(api.calls) == 1
    active.append(_alert("queue_stuck"))
    changed = box.run_once()
    assert changed.sent and changed.revision > api.calls[0][0] and len(api.calls) == 2
    clock.advance(301)
    again = box.run_once()
    assert again.sent and again.revision == changed.revision  # the same set, re-sent


def test_revisions_only_go_up_even_when_the_clock_goes_back() -> None:
    api, state = Api(), State()
    clock = FakeClock(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))
    active = [_alert("a")]
    first = _box(api, state, clock, active).run_once().revision
    clock.advance(-3600)  # clock set back an hour; the till restarts
    active.append(_alert("b"))
    second = _box(api, state, clock, active).run_once().revision
    assert second == first + 1


def test_offline_the_newest_set_is_kept_and_sent_when_back() -> None:
    api, state, clock = Api(), State(), FakeClock()
    active = [_alert("a")]
    box = _box(api, state, clock, active)
    api.down = True
    assert box.run_once().error_code == "IT-700"
    active[0] = _alert("b")
    assert box.run_once().error_code == "IT-700"
    revision, sent, kept = box.pending()
    assert sent == 0 and [a["key"] for a in kept] == ["b"]
    api.down = False
    assert box.run_once().sent
    assert api.calls == [(revision, [_alert("b")])]


def test_a_newer_revision_on_the_server_is_overtaken() -> None:
    api, state, clock = Api(), State(), FakeClock()
    api.stored_revision = 10**15
    run = _box(api, state, clock, [_alert("a")]).run_once()
    assert run.sent and api.stored_revision == 10**15 + 1
    assert [r for r, _a in api.calls] == [api.calls[0][0], 10**15 + 1]


def test_nothing_to_send_without_a_source_or_a_server() -> None:
    state, clock = State(), FakeClock()
    assert AlertsOutbox(lambda: None, state, clock).run_once().skipped == "no source"
    box = AlertsOutbox(lambda: None, state, clock)
    box.follow(lambda: [_alert("a")])
    run = box.run_once()
    assert run.skipped == "not enrolled" and box.pending()[0] == run.revision


def test_what_is_sent_fits_the_servers_limits() -> None:
    api, state, clock = Api(), State(), FakeClock()
    long = {**_alert("disk_low"), "message": "x" * 2000, "title": "t" * 500}
    many = [long] + [_alert(f"rule{n}") for n in range(80)]
    many.append({**_alert("queue_stuck"), "severity": "critical"})
    assert _box(api, state, clock, many).run_once().sent
    (_rev, sent), = api.calls
    assert len(sent) == 50 and sent[0]["key"] == "queue_stuck"  # critical ones kept first
    assert len(sent[1]["message"]) == 500 and len(sent[1]["title"]) == 120
