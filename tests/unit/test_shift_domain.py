"""The pure trading-day domain: shift transitions, counts, over/short, expected cash, Z text,
printable documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from trading_day_support import eur, sale

from ireti_till.domain import print_doc
from ireti_till.domain.shift import (
    TRANSITIONS,
    OverShort,
    ShiftError,
    ShiftState,
    check_transition,
    default_settings,
    expected_cash,
    make_count,
)
from ireti_till.domain.zreport import TaxTotal, ZReport, report_lines


def test_a_closed_shift_never_moves_and_open_cannot_skip_closing() -> None:
    assert TRANSITIONS[ShiftState.CLOSED] == frozenset()
    with pytest.raises(ShiftError):
        check_transition(ShiftState.OPEN, ShiftState.CLOSED)
    check_transition(ShiftState.CLOSING, ShiftState.OPEN)  # a close can be cancelled


def test_count_totals_and_over_short() -> None:
    c = make_count(default_settings("EUR"), {2000: "2", 5: " 3 ", 1: ""})
    assert c.total == eur(4015) and c.quantities == ((2000, 2), (5, 3))
    assert OverShort(eur(4000), c.total).label == "over €0.15"
    assert OverShort(eur(4100), c.total).label == "short €0.85"
    assert OverShort(eur(4100), c.total).beyond(eur(50))
    assert not OverShort(eur(4015), c.total).beyond(eur(0))


def test_expected_cash_is_one_formula() -> None:
    assert expected_cash(eur(10000), eur(2250), eur(300), eur(2000), eur(450)) == eur(13500)


def test_zero_decimal_currencies_get_whole_limits() -> None:
    jpy = default_settings("JPY")
    assert jpy.paid_limit.minor == 50 and jpy.tolerance.minor == 5 and 1 in jpy.denominations


def test_z_round_trips_through_json_and_fits_58mm() -> None:
    z = ZReport("T01", "s" * 36, "EUR", "2026-12-04T08:00:00.000000Z",
                "2026-12-04T17:00:00.000000Z", z_no=3, sales_count=2, sales_total=1000,
                taxes=(TaxTotal("S", "20%", 833, 167, 1000),), counted_cash=1500,
                expected_cash=1520, card_queued=1, card_queued_accepted_by="bola")
    assert ZReport.from_json(z.to_json()) == z
    lines = [ln for chunk in report_lines(z, 32) for ln in chunk.split("\n")]
    assert "Z REPORT No 3" in lines[0] and max(map(len, lines)) <= 32
    assert any("accepted by bola" in ln for ln in lines)
    assert any(ln.startswith("Over/short") and ln.endswith("-€0.20") for ln in lines)


def test_receipt_document_has_barcode_copy_mark_and_training_mark() -> None:
    s = sale(1250, cash=1250, tendered=2000, name="Sourdough loaf")
    ops = print_doc.receipt(s, store="Shop", width=32, copy=True)
    text = print_doc.plain_text(ops)
    assert text.startswith("*** COPY ***") and "Sourdough loaf" in text
    assert {"t": "barcode", "data": "T01-000000"} in ops
    assert max(len(op["s"]) for op in ops if op["t"] == "text") <= 32
    import dataclasses
    training = dataclasses.replace(s, training=True)
    assert "TRAINING" in print_doc.plain_text(print_doc.receipt(training, store="Shop"))
