"""Sales export: one record per sale, CSV or JSON, exact amounts, --since, safe CSV cells."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_ledger_fixtures import BASE_TIME, make_sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.commands import export as command
from ireti_till.commands.safe_output import parse_since
from ireti_till.domain.errors import InputError
from ireti_till.services.export import CSV_COLUMNS, export_sales


@pytest.fixture
def ledger(data_dir: Path) -> Ledger:
    opened = open_ledger(data_dir)
    with opened.uow_factory() as uow:
        uow.sales.add(make_sale(0, lines=2))
        uow.sales.add(dataclasses.replace(make_sale(60, lines=1), cashier="=HYPERLINK(1)"))
        uow.sales.add(make_sale(24 * 60, lines=3, till_id="T02"))
        uow.commit()
    yield opened
    opened.close()


def test_json_has_one_complete_record_per_sale(ledger: Ledger) -> None:
    out = io.StringIO()
    assert export_sales(ledger.read_uow, out, fmt="json") == 3
    records = json.loads(out.getvalue())
    assert [r["receipt_code"] for r in records] == ["T01-000001", "T01-000002", "T02-000001"]
    first = records[0]
    assert first["completed_at"] == "2026-11-26T09:00:00Z"
    assert (first["total"], first["tax_total"], first["change"]) == ("2.40", "0.40", "17.60")
    assert first["currency"] == "EUR" and first["training"] is True
    assert [ln["name"] for ln in first["lines"]] == ["Item 1 «ü»", "Item 2 «ü»"]
    assert first["lines"][0]["gtin"] == "4006381333931"
    assert first["taxes"] == [{"tax_code": "S", "rate": "20%", "net": "2.00", "tax": "0.40",
                               "gross": "2.40"}]
    assert first["tenders"][0]["kind"] == "cash" and first["tenders"][0]["tendered"] == "20.00"


def test_csv_keeps_a_sale_on_one_row_and_defuses_formulas(ledger: Ledger) -> None:
    out = io.StringIO()
    export_sales(ledger.read_uow, out, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["line_count"] for r in rows] == ["2", "1", "3"]
    assert rows[1]["cashier"] == "'=HYPERLINK(1)"
    assert json.loads(rows[2]["lines"])[2]["total"] == "1.20"


def test_since_filters_by_completion_time(ledger: Ledger) -> None:
    out = io.StringIO()
    assert export_sales(ledger.read_uow, out, since=BASE_TIME + timedelta(minutes=30),
                        fmt="json") == 2
    assert export_sales(ledger.read_uow, io.StringIO(),
                        since=datetime(2030, 1, 1, tzinfo=UTC)) == 0


def test_an_empty_ledger_exports_valid_empty_documents(data_dir: Path) -> None:
    empty = open_ledger(data_dir)
    try:
        out = io.StringIO()
        assert export_sales(empty.read_uow, out, fmt="json") == 0
        assert json.loads(out.getvalue()) == []
    finally:
        empty.close()


def test_unknown_format_is_an_input_error(ledger: Ledger) -> None:
    with pytest.raises(InputError):
        export_sales(ledger.read_uow, io.StringIO(), fmt="xml")


def test_command_writes_the_file_atomically(ledger: Ledger, data_dir: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sales.json"
    argv = ["--what", "sale-records", "--data-dir", str(data_dir),
            "--since", "2026-11-26T09:30+00:00", "--format", "json", "-o", str(target)]
    assert command.main(argv) == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    assert not list(tmp_path.glob("*.partial"))
    assert "exported 2 sale-records records" in capsys.readouterr().err
    assert command.main(["--what", "sale-records", "--data-dir", str(data_dir), "--since",
                         "last tuesday"]) == 2
    assert command.main(["--what", "sale-records", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith("id,receipt_code,")


def test_a_date_means_local_midnight() -> None:
    since = parse_since("2026-11-01")
    assert since.tzinfo is not None
    assert (since.hour, since.minute) == (0, 0)
