"""The ledger's feed triggers (no server needed): what they record, exactly as written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from ireti_till.adapters import backoffice_feed_triggers as triggers
from ireti_till.adapters.backoffice_feed import SqlFeedStore
from ireti_till.adapters.db.ledger import Ledger, open_ledger

TS = "2026-12-04T10:00:00.000000Z"


@pytest.fixture
def ledger(data_dir: Path):  # type: ignore[no-untyped-def]
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


def _feed(ledger: Ledger) -> list[tuple[str, str, dict]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, item_key, payload FROM bo_feed ORDER BY id"))
        return [(k, key, json.loads(p, strict=False)) for k, key, p in rows]


def test_an_audit_entry_is_fed_byte_for_byte(ledger: Ledger) -> None:
    details = 'a "quote", a back\\slash, a new\nline, a tab\t, «ünïcode» 🧾'
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (seq, at, kind, actor, details, link) VALUES "
                          "(1, :at, 'refund.approved', 'Bola', :d, 'x')"), {"at": TS, "d": details})
    [(kind, key, payload)] = _feed(ledger)
    assert (kind, key) == ("audit", "audit:1")
    assert payload == {"seq": 1, "at": TS, "kind": "refund.approved", "actor": "Bola",
                       "details": details, "link": "x"}


def test_payment_outcomes_are_fed_per_state_change(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tender_sales (sale_id, till_id, currency, total_minor, state, sale_json,"
            " created_at, updated_at) VALUES ('s1', 'T01', 'EUR', 500, 'open', '{}', :t, :t)"),
            {"t": TS})
        conn.execute(text(
            "INSERT INTO card_attempts (attempt_id, sale_id, till_id, amount_minor, currency, "
            "state, create_key, params_json, reader_try, created_at, updated_at) VALUES "
            "('a1', 's1', 'T01', 500, 'EUR', 'planned', 'k1', '{\"secret\": 1}', 0, :t, :t)"),
            {"t": TS})
        conn.execute(text("UPDATE card_attempts SET state = 'declined', decline_code = "
                          "'insufficient_funds', updated_at = :t2"), {"t2": TS[:-2] + "1Z"})
        conn.execute(text("UPDATE card_attempts SET reason = 'x'"))  # no state change
    attempts = [f for f in _feed(ledger) if f[0] == "card_attempt"]
    assert [p["state"] for _k, _key, p in attempts] == ["planned", "declined"]
    assert attempts[1][2]["decline_code"] == "insufficient_funds"
    assert len({key for _k, key, _p in attempts}) == 2
    assert all("params_json" not in p for _k, _key, p in attempts)  # excluded column


def test_the_feed_cannot_be_deleted_or_rewritten(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (seq, at, kind, actor, details, link) VALUES "
                          "(1, :at, 'k', 'a', 'd', 'l')"), {"at": TS})
    for sql in ("DELETE FROM bo_feed", "UPDATE bo_feed SET payload = '{}'"):
        with pytest.raises((IntegrityError, OperationalError)), ledger.engine.begin() as conn:
            conn.execute(text(sql))
    assert len(_feed(ledger)) == 1


def test_a_new_kind_is_one_line_and_a_migration_call(ledger: Ledger,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(triggers.FEED_SOURCES, "gift_cards",
                        triggers.FeedSource("gift_card", ("id",)))
    with ledger.engine.begin() as conn:
        assert triggers.install(conn, "gift_cards") is False  # not created yet: skipped
        conn.execute(text("CREATE TABLE gift_cards (id TEXT PRIMARY KEY, balance INTEGER)"))
        assert triggers.install(conn, "gift_cards") is True
        conn.execute(text("INSERT INTO gift_cards VALUES ('g1', 2500)"))
    assert _feed(ledger) == [("gift_card", "gift_card:g1", {"id": "g1", "balance": 2500})]


def test_numbers_are_assigned_above_the_floor_and_kept(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn:
        for i in range(1, 4):
            conn.execute(text("INSERT INTO audit_log (seq, at, kind, actor, details, link) "
                              "VALUES (:i, :at, 'k', 'a', 'd', 'l')"), {"i": i, "at": TS})
    store = SqlFeedStore(ledger.engine)
    first = store.next_batch(2, floor_seq=40)
    assert [it.seq for it in first] == [41, 42]
    assert [it.seq for it in store.next_batch(5, floor_seq=0)] == [41, 42, 43]
    store.mark_acked(42, datetime.now(UTC))
    assert store.waiting()[0] == 1
    store.renumber()
    assert [it.seq for it in store.next_batch(5, floor_seq=100)] == [101]


def test_trading_day_tables_are_fed(ledger: Ledger) -> None:
    """0009 runs after 0008_trading_day: shifts and the shift stamp on sales are fed."""
    from tests.backoffice.helpers import make_sale

    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO shifts (id, till_id, state, currency, opened_by, "
                          "opened_at, float_minor) VALUES ('sh1', 'T01', 'open', 'EUR', "
                          "'ada', :t, 0)"), {"t": TS})
    with ledger.uow_factory() as uow:
        sale = uow.sales.add(make_sale("T01"))
        uow.commit()
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE shifts SET state = 'closing'"))
        conn.execute(text("UPDATE shifts SET state = 'closed', closed_by = 'ada', "
                          "closed_at = :t, counted_minor = 0, expected_minor = 0"), {"t": TS})
    feed = _feed(ledger)
    shifts = [(key, p["state"]) for kind, key, p in feed if kind == "shift"]
    assert shifts == [("shift:sh1:open", "open"), ("shift:sh1:closing", "closing"),
                      ("shift:sh1:closed", "closed")]
    stamps = [(key, p) for kind, key, p in feed if kind == "sale_shift_id"]
    assert stamps == [(f"sale_shift_id:{sale.sale_id}:sh1",
                       {"id": str(sale.sale_id), "shift_id": "sh1"})]
