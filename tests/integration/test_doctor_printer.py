"""``ireti-till doctor`` has a printer line: the configured device asked now (the TCP 9100
printer emulator in tests/fixtures), and the print jobs still waiting in the ledger."""

from __future__ import annotations

from pathlib import Path

from ireti_till.adapters.config_file import load_config
from ireti_till.commands.doctor import run_doctor
from ireti_till.services.health import Status
from tests.fixtures.escpos_printer import EscposPrinterEmulator


def printer_line(data_dir: Path) -> tuple[Status, str]:
    check = next(c for c in run_doctor(data_dir, only={"printer"}).checks
                 if c.name == "printer")
    return check.status, check.summary


def test_no_printer_set_up_is_ok(tmp_path: Path) -> None:
    load_config(tmp_path)  # the default config: [printer] kind = "none"
    assert printer_line(tmp_path) == (Status.OK, "no receipt printer set up (receipts on "
                                                 "screen and by email only)")


def test_a_network_printer_ready_then_switched_off(tmp_path: Path) -> None:
    load_config(tmp_path)
    with EscposPrinterEmulator() as printer:
        config = tmp_path / "config.toml"
        text = config.read_text(encoding="utf-8").replace(
            'kind = "none"', f'kind = "network"\nhost = "127.0.0.1"\nport = {printer.port}')
        config.write_text(text, encoding="utf-8")
        status, summary = printer_line(tmp_path)
        assert status is Status.OK and summary.startswith("printer ready"), summary
        printer.power(False)
        status, summary = printer_line(tmp_path)
        assert status is Status.FAIL and "IT-620" in summary, summary
