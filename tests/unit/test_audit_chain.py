"""The pure HMAC chain: sealing, verifying, and refusing sensitive details."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from ireti_till.domain.audit import (
    AuditDetailsRejected,
    ChainRow,
    seal,
    to_entry,
    verify_chain,
)

KEY = b"k" * 32
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def chain(n: int, key: bytes = KEY) -> list[ChainRow]:
    rows: list[ChainRow] = []
    prev = None
    for i in range(1, n + 1):
        row = seal(key, prev, i, T0 + timedelta(seconds=i), "sign_in", f"u{i % 3}",
                   {"n": i, "till": "T1"})
        rows.append(row)
        prev = row.link
    return rows


def test_intact_chain_verifies_and_round_trips() -> None:
    rows = chain(20)
    result = verify_chain(KEY, iter(rows))
    assert result.ok and result.checked == 20
    entry = to_entry(rows[4])
    assert entry.seq == 5 and entry.details == {"n": 5, "till": "T1"}
    assert entry.at == T0 + timedelta(seconds=5)


def test_wrong_key_breaks_first_link() -> None:
    result = verify_chain(b"x" * 32, chain(3))
    assert not result.ok and result.broken_seq == 1


@pytest.mark.parametrize("field,value", [("details", '{"n":6,"till":"T2"}'),
                                          ("actor", "u9"), ("kind", "void"),
                                          ("at", "2026-11-26T03:00:06.000001Z")])
def test_any_edit_is_found_at_that_entry(field: str, value: str) -> None:
    rows = chain(10)
    rows[5] = dataclasses.replace(rows[5], **{field: value})
    result = verify_chain(KEY, rows)
    assert not result.ok and result.broken_seq == 6


def test_deletion_in_the_middle_and_at_the_start() -> None:
    rows = chain(10)
    assert verify_chain(KEY, rows[:4] + rows[5:]).broken_seq == 5
    assert verify_chain(KEY, rows[1:]).broken_seq == 1


def test_renumbering_after_deletion_is_found() -> None:
    rows = chain(10)
    kept = rows[:4] + [dataclasses.replace(r, seq=r.seq - 1) for r in rows[5:]]
    assert verify_chain(KEY, kept).broken_seq == 5


def test_swapping_two_entries_is_found() -> None:
    rows = chain(10)
    a, b = rows[3], rows[4]
    rows[3] = dataclasses.replace(b, seq=4, link=a.link)
    rows[4] = dataclasses.replace(a, seq=5, link=b.link)
    assert verify_chain(KEY, rows).broken_seq == 4


def test_truncation_found_only_against_the_anchor() -> None:
    rows = chain(10)
    anchor = (10, rows[-1].link)
    assert verify_chain(KEY, rows[:7]).ok  # the chain alone cannot tell
    result = verify_chain(KEY, rows[:7], anchor)
    assert not result.ok and result.broken_seq == 8
    assert verify_chain(KEY, rows, anchor).ok
    assert verify_chain(KEY, rows, (10, "00" * 32)).broken_seq == 10


@pytest.mark.parametrize("details", [
    {"pin": "4829"},
    {"supervisor_pin": "x"},
    {"nested": {"password": "x"}},
    {"key": "abc"},
    {"api_key": "abc"},
    {"note": "customer card 4242 4242 4242 4242"},
    {"pan": 4242424242424242},
    {"note": "sk_live_abcdef123"},
    {"note": "rk_test_abc"},
    {"note": "pin=1234"},
    {"list": ["ok", "4000-0000-0000-0002"]},
    {"amount": 1.5},
    {"obj": object()},
    {1: "x"},
])
def test_sensitive_or_odd_details_refused(details: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(AuditDetailsRejected):
        seal(KEY, None, 1, T0, "note", "system", details)


def test_uuids_and_receipt_codes_are_fine() -> None:
    row = seal(KEY, None, 1, T0, "refund", "u1", {
        "sale_id": "12345678-1234-1234-1234-123456789012", "receipt": "T1-000123",
        "amount_minor": 1250, "currency": "EUR", "idempotency_key_ref": "abc:refund",
    })
    assert verify_chain(KEY, [row]).ok


@pytest.mark.parametrize("kind,actor", [("Sign In", "u1"), ("x", "u1"),
                                         ("sign_in", "a b"), ("sign_in", "")])
def test_kind_and_actor_are_checked(kind: str, actor: str) -> None:
    with pytest.raises(AuditDetailsRejected):
        seal(KEY, None, 1, T0, kind, actor, {})


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError):
        seal(KEY, None, 1, datetime(2026, 1, 1), "sign_in", "u1", {})


def test_gtin_fields_pass_but_only_as_valid_gtins_under_their_name() -> None:
    row = seal(KEY, None, 1, T0, "void", "u1", {"gtin": "4006381333931", "line_gtin": "96385074"})
    assert verify_chain(KEY, [row]).ok
    for details in ({"gtin": "4242424242424242"}, {"code": "4006381333931"},
                    {"gtin": "4006381333932"}):
        with pytest.raises(AuditDetailsRejected):
            seal(KEY, None, 1, T0, "void", "u1", details)
