"""``ireti-till export`` is one command (``export sales`` = ``export --what sales``): a bad
what, format or field is refused with its code (never argparse's answer), and every form
writes through the user's path and refuses a target that is not a regular file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ireti_till import cli
from ireti_till.adapters.db.ledger import open_ledger
from tests.integration.ops_helpers import _reset_ops_logging, write_sales  # noqa: F401


@pytest.fixture
def ledger_dir(data_dir: Path) -> Path:
    ledger = open_ledger(data_dir)
    write_sales(ledger.engine, 3)
    ledger.close()
    return data_dir


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(("args", "code"), [
    (["export", "sales", "--format", "xml"], "IT-641"),
    (["export", "--what", "sales", "--fields", "total,colour"], "IT-642"),
    (["export", "--what", "takings"], "IT-640"),
    (["export", "refunds", "--what", "z"], "IT-640"),
    (["export", "sale-records", "--format", "pdf"], "IT-641"),
    (["export", "sale-records", "--fields", "total"], "IT-642"),
    (["export", "--since", "yesterday"], "IT-650"),
])
def test_bad_requests_are_refused_with_their_code(
        ledger_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        code: str) -> None:
    status, out, err = run(capsys, "--data-dir", str(ledger_dir), *args)
    assert status == 2 and out == ""
    assert err.count(code) == 1 and "invalid choice" not in err, err


def test_export_sales_is_the_report_rows(ledger_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "--data-dir", str(ledger_dir), "export", "sales",
                            "--format", "json")
    assert status == 0 and len(json.loads(out)) == 3
    status, same, _err = run(capsys, "--data-dir", str(ledger_dir), "export", "--what",
                             "sales", "--format", "json")
    assert same == out


def test_sale_records_write_through_a_symlink(ledger_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "exports" / "sales.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    status, _out, err = run(capsys, "--data-dir", str(ledger_dir), "export", "sale-records",
                            "--format", "json", "-o", str(link))
    assert status == 0 and "exported 3 sale-records records" in err
    assert link.is_symlink() and len(json.loads(real.read_text(encoding="utf-8"))) == 3
    assert "lines" in json.loads(real.read_text(encoding="utf-8"))[0]


def test_a_device_is_refused_before_the_ledger_opens(
        ledger_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, "--data-dir", str(ledger_dir), "export", "--what", "z",
                            "-o", "/dev/null")
    assert status == 2 and err.count("IT-546") == 1
