"""Catalog import: every row checked first, bad rows reported by line, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.commands import catalog_import as command
from ireti_till.domain.errors import InputError
from ireti_till.services.catalog_import import (
    ImportRejected,
    import_csv,
    import_products,
    validate_rows,
)

HEADER = "sku,gtin,name,price,tax_code,active\n"
GOOD = (
    "MILK-1,4006381333931,Whole milk 1L,1.09,R,yes\n"
    "BREAD,,Sourdough loaf,3.20,R,\n"
    "soap-2,96385074,\"Olive oil soap, 100g\",1.45,s,no\n"
)
CODES = {"S", "R", "Z"}


@pytest.fixture
def ledger(data_dir: Path) -> Ledger:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


def _validate(text: str) -> object:
    return validate_rows(io.StringIO(text), currency="EUR", tax_codes=CODES)


def _count(ledger: Ledger) -> int:
    with ledger.read_uow() as uow:
        return uow.catalog.count()


def test_good_rows_are_normalised_and_imported(ledger: Ledger) -> None:
    result = import_csv(ledger.uow_factory, io.StringIO("\ufeff" + HEADER + GOOD),
                        currency="EUR", tax_codes=CODES)
    assert (result.imported, result.skipped, result.rows) == (3, 0, 3)
    with ledger.read_uow() as uow:
        soap = uow.catalog.by_sku("SOAP-2")
        milk = uow.catalog.by_gtin("4006381333931")
    assert soap is not None and soap.name == "Olive oil soap, 100g"
    assert soap.gtin == "0000096385074"  # GTIN-8 stored in its canonical 13-digit form
    assert (soap.tax_code, soap.active, soap.unit_price.minor) == ("S", False, 145)
    assert milk is not None and milk.sku == "MILK-1" and milk.active


BAD_ROWS = [
    ("A1,4006381333932,Bad check digit,1.00,S,", "check digit"),
    ("A2,,Negative,-1.00,S,", "negative"),
    ("A3,,Exponent,1e3,S,", "not an amount"),
    ("A4,,Too many decimals,1.999,S,", "decimal"),
    ("A5,,,2.00,S,", "name must not be empty"),
    ("A6,,Unknown tax,2.00,Q,", "unknown tax code 'Q'"),
    ("A7,,Too big,1000000.00,S,", "more than the till accepts"),
    ("A 8,,Space in SKU,1.00,S,", "must not contain spaces"),
    ("A9,,Bidi \u202emark,1.00,S,", "invisible or control character"),
    ("A10,12345,Short barcode,1.00,S,", "8, 12, 13 or 14 digits"),
    ("A11,,Bad active,1.00,S,maybe", "active must be"),
    ("A12,,Empty price,,S,", "price is empty"),
    ("A13,,Too few fields,1.00", "4 fields, the header has 6"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS, ids=[r[1][:20] for r in BAD_ROWS])
def test_each_bad_row_is_reported_with_its_line(row: str, reason: str) -> None:
    report = _validate(HEADER + GOOD + row + "\n")
    assert [e.line for e in report.errors] == [5]  # header 1, three good rows, then this
    assert reason in report.errors[0].reason
    assert len(report.products) == 3


def test_duplicates_point_at_the_first_occurrence() -> None:
    report = _validate(HEADER + GOOD + "milk-1,,Dupe,1.00,S,\nX,4006381333931,Dupe GTIN,1,S,\n")
    assert [(e.line, e.reason) for e in report.errors] == [
        (5, "SKU MILK-1 is also on line 2"), (6, "GTIN 4006381333931 is also on line 2")]


def test_multi_line_fields_and_blank_lines_keep_line_numbers_right() -> None:
    text = HEADER + '"Q1",,"Two\nlines",1.00,S,\n\nQ2,,Fine,-3,S,\n'
    report = _validate(text)
    assert [e.line for e in report.errors] == [5]  # the record on lines 2-3 is fine
    assert report.products[0].name == "Two lines"  # line breaks in a name become spaces
    assert report.rows == 2


def test_nothing_is_imported_unless_every_row_passes(ledger: Ledger) -> None:
    text = HEADER + GOOD + "A2,,Negative,-1.00,S,\n"
    with pytest.raises(ImportRejected) as caught:
        import_csv(ledger.uow_factory, io.StringIO(text), currency="EUR", tax_codes=CODES)
    assert caught.value.code == "IT-180"
    assert "line 5" in str(caught.value) and "--skip-invalid" in str(caught.value)
    assert _count(ledger) == 0


def test_skip_invalid_imports_the_rest_and_reports_the_bad(ledger: Ledger) -> None:
    text = HEADER + GOOD + "A2,,Negative,-1.00,S,\nA5,,,2.00,S,\n"
    result = import_csv(ledger.uow_factory, io.StringIO(text), currency="EUR",
                        tax_codes=CODES, skip_invalid=True)
    assert (result.imported, result.skipped) == (3, 2)
    assert [e.line for e in result.errors] == [5, 6]
    assert _count(ledger) == 3


@pytest.mark.parametrize(("text", "needle"), [
    ("", "empty"),
    ("sku,name,price\nA,B,1\n", "missing: tax_code"),
    ("sku,name,price,tax_code,colour\n", "unknown: colour"),
    ("sku,name,name,price,tax_code\n", "named twice"),
])
def test_file_level_problems_stop_before_any_row(text: str, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        _validate(text)
    assert caught.value.code == "IT-182" and needle in str(caught.value)


def test_progress_runs_from_zero_to_total(ledger: Ledger) -> None:
    rows = "".join(f"P{i},,Product {i},1.00,S,\n" for i in range(2500))
    calls: list[tuple[int, int]] = []
    report = validate_rows(io.StringIO(HEADER + rows), currency="EUR", tax_codes=CODES,
                           progress=lambda d, t: calls.append((d, t)))
    import_products(ledger.uow_factory, report, progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (5000, 5000)
    assert all(d <= t for d, t in calls)


def test_command_reports_bad_rows_and_exit_status(data_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD + "A3,,Exponent,1e3,S,\n", encoding="utf-8")
    assert command.main(["--data-dir", str(data_dir), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv line 5: '1e3' is not an amount" in err
    assert "nothing was imported" in err
    assert command.main(["--data-dir", str(data_dir), str(bad), "--skip-invalid"]) == 0
    out, err = capsys.readouterr()
    assert "imported 3 products from bad.csv, 1 invalid rows skipped" in out
    assert "importing: 100%" in err  # the plain-text progress on a non-terminal
    assert command.main(["--data-dir", str(data_dir), str(tmp_path / "missing.csv")]) == 1


def test_progress_bar_draws_in_place_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = command.ProgressBar(stream, "importing", width=10)
    bar(0, 10)
    bar(10, 10)
    assert stream.getvalue() == "\rimporting [..........]   0%\rimporting [##########] 100%\n"


def test_a_progress_callback_that_raises_cancels_everything(ledger: Ledger) -> None:
    rows = "".join(f"P{i},,Product {i},1.00,S,\n" for i in range(6000))
    report = validate_rows(io.StringIO(HEADER + rows), currency="EUR", tax_codes=CODES)

    def cancel(done: int, total: int) -> None:
        if done > report.rows:  # once writing has begun
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_products(ledger.uow_factory, report, progress=cancel)
    assert _count(ledger) == 0
