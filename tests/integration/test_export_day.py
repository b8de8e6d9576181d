"""`ireti-till export --what ...`: every kind, CSV and JSON, fields, and refused requests."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from trading_day_support import SETTINGS, START, Clock, count, eur, sale

from ireti_till import cli
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.services.shifts import ShiftService


@pytest.fixture
def day(data_dir: Path) -> str:
    ledger = open_ledger(data_dir)
    try:
        shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
        shift = shifts.open("ada", count(n1000=3))
        with ledger.uow_factory() as u:
            u.sales.add(sale(1250, cash=1250, tendered=2000, cashier="=cmd()",
                             when=START + timedelta(minutes=5)))
            u.sales.add(sale(800, card=800, when=START + timedelta(minutes=9)))
            u.commit()
        shifts.paid_out("ada", eur(300), "milk for the staff room")
        shifts.close("ada", count(n1000=3, n500=1, n200=2, n50=1))
    finally:
        ledger.close()
    return shift.shift_id


def run(data_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["export", "--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_each_kind_exports_in_csv_and_json(data_dir: Path, day: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(data_dir, capsys, "--what", "sales")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [r["total"] for r in rows] == ["12.50", "8.00"]
    assert rows[0]["cashier"] == "'=cmd()" and rows[0]["shift_id"] == day
    status, out, _ = run(data_dir, capsys, "--what", "cash", "--format", "json")
    assert [(r["kind"], r["amount"]) for r in json.loads(out)] == [("float", "30.00"),
                                                                   ("paid_out", "3.00")]
    status, out, _ = run(data_dir, capsys, "--what", "z", "--format", "json")
    [z] = json.loads(out)
    assert (z["z_no"], z["expected_cash"], z["counted_cash"]) == (1, "39.50", "39.50")
    status, out, _ = run(data_dir, capsys, "--what", "shifts", "--fields", "id,over_short")
    assert list(csv.reader(io.StringIO(out))) == [["id", "over_short"], [day, "0.00"]]
    status, out, _ = run(data_dir, capsys, "--what", "refunds", "--shift", day)
    assert status == 0 and out.startswith("id,till_id,refund_no")


@pytest.mark.parametrize(("args", "code"), [
    (("--what", "customers"), "IT-640"),
    (("--what", "sales", "--format", "xlsx"), "IT-641"),
    (("--what", "sales", "--fields", "total,card_number"), "IT-642"),
    (("--what", "sales", "--since", "yesterday"), "IT-650"),
])
def test_a_bad_request_is_refused_with_its_code_and_writes_nothing(
        data_dir: Path, day: str, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], code: str) -> None:
    target = data_dir / "out.csv"
    status, out, err = run(data_dir, capsys, *args, "-o", str(target))
    assert status == 2 and code in err and out == ""
    assert not target.exists()
