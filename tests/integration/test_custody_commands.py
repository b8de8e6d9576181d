"""Issue 13 items 6, 9 and 14: writers take the lock, export writes through the user's path
and refuses devices, a full stdout is named, handled errors are printed once."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.commands import catalog_import, export
from tests.integration.ops_helpers import _reset_ops_logging, write_sales  # noqa: F401


@pytest.fixture
def ledger_dir(data_dir: Path) -> Path:
    ledger = open_ledger(data_dir)
    write_sales(ledger.engine, 3)
    ledger.close()
    return data_dir


def test_catalog_import_refuses_beside_a_running_till(
        ledger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("sku,gtin,name,price,tax_code,active\nA1,,Apple,1.00,STD,1\n")
    with InstanceLock(ledger_dir):
        assert catalog_import.main(["--data-dir", str(ledger_dir), str(csv)]) == 2
    assert "IT-227" in capsys.readouterr().err
    status = catalog_import.main(["--data-dir", str(ledger_dir), str(csv)])
    assert "IT-227" not in capsys.readouterr().err
    assert status in (0, 1)


def test_selftest_refuses_beside_a_running_till(
        ledger_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ireti_till.commands import selftest

    with InstanceLock(ledger_dir):
        assert selftest.main(["--data-dir", str(ledger_dir), "--quiet"]) == 1
    assert "IT-227" in capsys.readouterr().err


def test_export_writes_through_a_symlink(ledger_dir: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert export.main(["--what", "sale-records", "--data-dir", str(ledger_dir),
                        "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().count("\n") >= 4  # header + 3 sales
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("target", ["/dev/full", "/dev/null", "dir"])
def test_export_refuses_a_target_that_is_not_a_regular_file(
        ledger_dir: Path, tmp_path: Path, target: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(target) if target.startswith("/") else tmp_path / target
    if target == "dir":
        path.mkdir()
    before = path.stat()
    assert export.main(["--what", "sale-records", "--data-dir", str(ledger_dir),
                        "-o", str(path)]) == 2
    assert "IT-546" in capsys.readouterr().err
    after = path.stat()
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode, before.st_ino, before.st_rdev)


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ireti_till", *args], capture_output=True,
                          text=True, timeout=120, check=False, **kw)  # type: ignore[call-overload]


def test_a_full_stdout_is_named_once_without_a_traceback(ledger_dir: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "ireti_till", "--data-dir", str(ledger_dir), "export",
             "sales"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "None" not in proc.stderr
    assert proc.stderr.count("IT-502") == 1


def test_a_handled_error_is_printed_once(tmp_path: Path) -> None:
    proc = _run(["--data-dir", str(tmp_path / "d"), "backup", "--keep-daily", "-1"])
    assert proc.returncode == 2
    assert proc.stderr.count("IT-540") == 1, proc.stderr


@pytest.mark.parametrize("command", [["doctor"], ["backup"], ["audit", "verify"],
                                     ["support-bundle"]])
def test_commands_name_a_full_stdout_instead_of_crashing(ledger_dir: Path,
                                                         command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "ireti_till", "--data-dir", str(ledger_dir), *command],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert len(re.findall(r"\(IT-\d{3}\)", proc.stderr)) == 1, proc.stderr  # one line
    if command != ["audit", "verify"]:  # (no audit key in this data folder: IT-463)
        assert "IT-547" in proc.stderr


def test_support_bundle_is_private(ledger_dir: Path, tmp_path: Path) -> None:
    from ireti_till.commands import support_bundle

    target = tmp_path / "bundle.zip"
    old = os.umask(0)
    try:
        assert support_bundle.main(["--data-dir", str(ledger_dir), "-o", str(target)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_console_gets_one_redacted_line_per_error_and_the_file_the_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from ireti_till.adapters.logging_setup import configure_logging

    path = configure_logging(tmp_path / "logs", console_level="ERROR")
    try:
        raise OSError(28, "No space left on device, key sk_live_51CONSOLECANARY99")
    except OSError:
        logging.getLogger("ireti_till.test").exception("backup failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    console = capsys.readouterr().err
    assert "Traceback" not in console and console.count("\n") == 1
    assert "backup failed" in console and "OSError" in console
    assert "CONSOLECANARY" not in console
    assert "Traceback" in path.read_text()
