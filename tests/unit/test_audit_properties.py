"""Property tests: any single tampering of a chain is found, at or before where it happened."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.domain.audit import ChainRow, seal, verify_chain

KEY = b"s" * 32
T0 = datetime(2026, 11, 26, tzinfo=UTC)


def chain(n: int) -> list[ChainRow]:
    rows: list[ChainRow] = []
    prev = None
    for i in range(1, n + 1):
        rows.append(seal(KEY, prev, i, T0 + timedelta(seconds=i), "drawer_open", f"u{i % 4}",
                         {"n": i}))
        prev = rows[-1].link
    return rows


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 30), st.data())
def test_every_single_tampering_is_detected(n: int, data: st.DataObject) -> None:
    rows = chain(n)
    i = data.draw(st.integers(0, n - 1))
    kind = data.draw(st.sampled_from(["edit", "delete", "swap", "duplicate", "forge"]))
    if kind == "edit":
        field = data.draw(st.sampled_from(["at", "kind", "actor", "details"]))
        value = {"at": "2030-01-01T00:00:00.000000Z", "kind": "void", "actor": "x",
                 "details": '{"n":-1}'}[field]
        if getattr(rows[i], field) == value:
            return
        rows[i] = dataclasses.replace(rows[i], **{field: value})
        first = i + 1
    elif kind == "delete":
        if i == n - 1:
            return  # tail truncation needs the anchor (tested elsewhere)
        del rows[i]
        first = i + 1
    elif kind == "swap":
        j = data.draw(st.integers(0, n - 1))
        if i == j:
            return
        rows[i], rows[j] = rows[j], rows[i]
        first = min(i, j) + 1
    elif kind == "duplicate":
        rows.insert(i, rows[i])
        first = i + 1
    else:  # an entry forged without the key, chained to the real previous link
        forged = seal(b"f" * 32, rows[i - 1].link if i else None, i + 1, T0, "refund", "u1",
                      {"amount_minor": 1})
        rows[i] = forged
        first = i + 1
    result = verify_chain(KEY, rows)
    assert not result.ok
    assert result.broken_seq is not None and result.broken_seq <= first + 1
