"""config.toml takes [shift], [printer] and [email]: a wrong key names its line (IT-212), a
wrong value stops the composed till before it starts (IT-213/IT-623), and the default file
written on first start carries the sections, commented."""

from __future__ import annotations

from pathlib import Path

import pytest

from ireti_till.adapters.config_file import ConfigFileError, load_config
from ireti_till.adapters.trading_day_wiring import read_settings
from ireti_till.domain.errors import ConfigError


def written(tmp_path: Path, extra: str) -> Path:
    load_config(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'kind = "none"', extra), encoding="utf-8")
    return config


def test_the_default_file_has_the_trading_day_sections(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    settings = read_settings(config)
    assert settings.printer.kind == "none" and settings.shift.paid_limit.minor == 5000
    assert settings.shift.tolerance.minor == 500 and settings.email is None
    text = config.path.read_text(encoding="utf-8")
    assert "[shift]" in text and "[printer]" in text and "[email]" in text


def test_an_unknown_printer_key_names_its_line(tmp_path: Path) -> None:
    written(tmp_path, 'kind = "none"\ncolour = "red"')
    with pytest.raises(ConfigFileError) as caught:
        load_config(tmp_path)
    assert caught.value.code == "IT-212" and caught.value.key == "printer.colour"
    assert caught.value.line is not None


def test_a_wrong_type_in_shift_is_refused(tmp_path: Path) -> None:
    load_config(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'paid_limit = "50.00"', "paid_limit = 50"), encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        load_config(tmp_path)
    assert caught.value.code == "IT-213" and caught.value.key == "shift.paid_limit"


def test_a_printer_address_that_cannot_be_one_stops_the_till(tmp_path: Path) -> None:
    from ireti_till.app import build_till

    written(tmp_path, 'kind = "network"\nhost = "not an address!"')
    with pytest.raises(ConfigError) as caught:
        build_till(tmp_path, force_training=True, seed_demo=False)
    assert caught.value.code == "IT-623"
