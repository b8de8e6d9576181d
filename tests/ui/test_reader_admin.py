"""Reader admin screen: status with Stripe's ``last_seen_at`` (milliseconds), and the mapping."""

from __future__ import annotations

import time
from typing import Any

from pytestqt.qtbot import QtBot

from ireti_till.adapters.stripe_mapping import reader as map_reader
from ireti_till.services.payment_port import LocationInfo, ReaderInfo
from ireti_till.ui.payments.reader_admin import ReaderAdminDialog, last_seen_text

NOW = 1_795_000_000.0


def test_mapping_reads_last_seen_in_milliseconds() -> None:
    info = map_reader({"id": "tmr_1", "label": "Front", "status": "online",
                       "device_type": "bbpos_wisepos_e", "last_seen_at": 1695166525506})
    assert info.last_seen_at_ms == 1695166525506
    assert map_reader({"id": "tmr_2", "device_type": "x"}).last_seen_at_ms is None
    assert map_reader({"id": "tmr_3", "last_seen_at": None}).last_seen_at_ms is None


def test_last_seen_text() -> None:
    assert last_seen_text(None) == "last seen: not reported"
    assert last_seen_text(int((NOW - 12) * 1000), NOW).startswith("last seen 12 s ago (")
    assert last_seen_text(int((NOW - 600) * 1000), NOW).startswith("last seen 10 min ago")
    assert last_seen_text(int((NOW - 3 * 86_400) * 1000), NOW).startswith("last seen 3 days")


class FakeAdmin:
    def __init__(self) -> None:
        seen = int((time.time() - 30) * 1000)
        self.reader = ReaderInfo("tmr_1", "Front", "online", "bbpos_wisepos_e",
                                 "tml_1", last_seen_at_ms=seen)
        self.chosen: str | None = "tmr_1"

    def locations(self) -> tuple[LocationInfo, ...]:
        return (LocationInfo("tml_1", "Shop"),)

    def readers(self) -> tuple[ReaderInfo, ...]:
        return (self.reader, ReaderInfo("tmr_2", "Back", "offline", "x"))

    def current_reader(self) -> str | None:
        return self.chosen

    def choose_reader(self, rid: str, loc: str | None = None) -> None:
        self.chosen = rid

    def status(self, rid: str | None = None) -> ReaderInfo:
        return self.reader


def run_now(_what: str, fn: Any, done: Any) -> None:
    done(fn())  # the worker's call(), synchronously (done emits through the relay)


def test_reader_list_and_status_show_last_seen(qtbot: QtBot) -> None:
    dialog = ReaderAdminDialog(FakeAdmin(), run_now)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.readers.count() == 2)
    first, second = dialog.readers.itemText(0), dialog.readers.itemText(1)
    assert "Front: online, last seen" in first and "s ago" in first and "(this till)" in first
    assert "Back: offline, last seen: not reported" in second
    dialog.readers.setCurrentIndex(0)
    dialog.choose()
    qtbot.waitUntil(lambda: "last seen" in dialog.status.text())
    assert dialog.status.text().startswith("Front: online, last seen")
