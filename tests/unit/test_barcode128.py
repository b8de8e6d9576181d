"""Code 128 encoder: the symbol table is self-consistent and receipt codes round-trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ireti_till.domain import barcode128


def test_symbol_table_is_well_formed() -> None:
    patterns = barcode128._PATTERNS
    assert len(patterns) == 107 and len(set(patterns)) == 107
    for value, pattern in enumerate(patterns[:106]):
        assert sum(map(int, pattern)) == 11, value
        # Code 128 parity: bar modules even, space modules odd.
        assert sum(int(w) for w in pattern[0::2]) % 2 == 0, value
    assert sum(map(int, patterns[barcode128.STOP])) == 13


def test_known_vector_code_b() -> None:
    # Worked example: "Wikipedia" in set B, check symbol 88.
    assert barcode128.encode("Wikipedia") == [104, 55, 73, 75, 73, 80, 69, 68, 73, 65, 88, 106]


def test_receipt_code_packs_digits_in_set_c() -> None:
    values = barcode128.encode("T01-000042")
    assert values[:5] == [104, 52, 16, 17, 13]
    assert values[5] == barcode128.CODE_C
    assert values[6:9] == [0, 0, 42]
    assert barcode128.decode(barcode128.modules("T01-000042")) == "T01-000042"


def test_quiet_zones_and_module_count() -> None:
    text = "T01-000042"
    mods = barcode128.modules(text, quiet=10)
    assert mods.startswith("0" * 10) and mods.endswith("0" * 10)
    n_symbols = len(barcode128.encode(text))
    assert len(mods) == 20 + 11 * (n_symbols - 1) + 13


@pytest.mark.parametrize("bad", ["", "é", "tab\there", "x" * 81])
def test_rejects_what_it_cannot_encode(bad: str) -> None:
    with pytest.raises(ValueError):
        barcode128.encode(bad)


def test_decoder_detects_a_misread_symbol() -> None:
    values = barcode128.encode("T01-000001")
    values[1] = values[1] + 1  # one symbol misread as its neighbour; check symbol kept
    bar, mods = True, []
    for w in barcode128.widths(values):
        mods.append(("1" if bar else "0") * int(w))
        bar = not bar
    with pytest.raises(ValueError, match="check symbol"):
        barcode128.decode("".join(mods))


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
               max_size=40))
def test_any_printable_ascii_round_trips(text: str) -> None:
    assert barcode128.decode(barcode128.modules(text)) == text
