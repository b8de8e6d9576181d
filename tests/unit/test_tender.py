"""Cash tender, change due and quick-cash buttons per currency."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import MAX_MINOR, Money
from ireti_till.domain.tender import MAX_QUICK_CASH, cash_tender, notes_for, quick_cash


def amounts(due_minor: int, currency: str) -> list[int]:
    return [m.minor for m in quick_cash(Money(due_minor, currency))]


@pytest.mark.parametrize(
    ("due", "currency", "expected"),
    [
        (1340, "EUR", [1340, 1500, 2000, 5000, 10000]),
        (2000, "EUR", [2000, 5000, 10000, 20000]),
        (43720, "EUR", [43720, 44000, 45000, 50000, 60000]),
        (1340, "GBP", [1340, 1500, 2000, 5000]),
        (1340, "USD", [1340, 1400, 1500, 2000, 5000]),
        (1234, "JPY", [1234, 2000, 5000, 10000]),
        (15000, "NGN", [15000, 20000, 50000, 100000]),
        (0, "EUR", [0, 500, 1000, 2000, 5000]),
        (999, "CAD", [999, 1000, 2000, 5000, 10000]),  # default table
        (1500, "KWD", [1500, 2000, 5000, 10000, 20000]),
    ],
)
def test_quick_cash(due, currency, expected):
    assert amounts(due, currency) == expected


def test_quick_cash_is_sorted_unique_and_short():
    for due in range(0, 30000, 77):
        got = amounts(due, "EUR")
        assert got[0] == due
        assert got == sorted(set(got))
        assert len(got) <= MAX_QUICK_CASH
        assert all(a >= due for a in got)


def test_quick_cash_never_offers_more_than_the_limit():
    assert amounts(MAX_MINOR - 5, "EUR") == [MAX_MINOR - 5]


def test_cash_tender_change():
    tender = cash_tender(Money(1340, "EUR"), Money(2000, "EUR"))
    assert (tender.kind, tender.amount, tender.tendered, tender.change) == (
        "cash", Money(1340, "EUR"), Money(2000, "EUR"), Money(660, "EUR"))
    assert cash_tender(Money(1340, "EUR"), Money(1340, "EUR")).change == Money(0, "EUR")


@pytest.mark.parametrize(
    ("tendered", "code"),
    [(Money(1339, "EUR"), "IT-150"), (Money(-1, "EUR"), "IT-150"), (Money(5000, "USD"), "IT-152"),
     (Money(MAX_MINOR + 1, "EUR"), "IT-104")],
)
def test_cash_tender_rejects(tendered, code):
    with pytest.raises(InputError) as info:
        cash_tender(Money(1340, "EUR"), tendered)
    assert info.value.code == code
    if code == "IT-150" and tendered.minor > 0:
        assert "€0.01 more" in str(info.value)


@settings(deadline=None)
@given(due=st.integers(0, MAX_MINOR), currency=st.sampled_from(["EUR", "GBP", "USD", "JPY",
                                                                "NGN", "KWD", "CAD"]))
def test_quick_cash_properties(due, currency):
    options = quick_cash(Money(due, currency))
    minors = [m.minor for m in options]
    assert minors[0] == due
    assert minors == sorted(set(minors))
    assert 1 <= len(minors) <= MAX_QUICK_CASH
    assert all(due <= m <= MAX_MINOR for m in minors)
    note_values = [n.minor for n in notes_for(currency)]
    assert all(any(m % n == 0 for n in note_values) for m in minors[1:])
    for option in options:
        assert cash_tender(Money(due, currency), option).change.minor == option.minor - due
