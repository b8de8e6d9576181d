"""The [shift], [printer] and [email] config sections: values, defaults, refused input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ireti_till.adapters.config_trading_day import parse_trading_day, read_trading_day
from ireti_till.domain.errors import ConfigError
from ireti_till.domain.money import Money


def test_defaults_follow_the_currency(tmp_path: Path) -> None:
    settings = read_trading_day(tmp_path / "config.toml", "GBP")
    assert settings.shift.denominations[0] == 5000 and settings.shift.denominations[-1] == 1
    assert settings.printer.kind == "none" and settings.email is None


def test_values_are_read() -> None:
    s = parse_trading_day({
        "shift": {"denominations": ["20", "10", "0.50"], "paid_limit": "100", "tolerance": "2"},
        "printer": {"kind": "network", "host": "192.168.1.50", "paper_mm": 58},
        "email": {"host": "smtp.example.test", "sender": "shop@example.test"},
    }, "EUR")
    assert s.shift.denominations == (2000, 1000, 50)
    assert s.shift.paid_limit == Money(10000, "EUR") and s.shift.tolerance == Money(200, "EUR")
    assert (s.printer.address, s.printer.width) == ("192.168.1.50:9100", 32)
    assert s.printer.logo is not None and s.printer.logo.name == "logo.png"
    assert s.email is not None and s.email.port == 587


@pytest.mark.parametrize(("data", "code"), [
    ({"printer": {"kind": "network", "host": "999.1.1.1"}}, "IT-623"),
    ({"printer": {"kind": "network", "host": "bad host"}}, "IT-623"),
    ({"printer": {"kind": "network", "host": "p1", "port": 70000}}, "IT-623"),
    ({"printer": {"kind": "usb", "usb": "epson"}}, "IT-623"),
    ({"printer": {"kind": "laser"}}, "IT-213"),
    ({"printer": {"paper_mm": 76}}, "IT-213"),
    ({"shift": {"denominations": ["-5"]}}, "IT-213"),
    ({"shift": {"tolerance": 5}}, "IT-213"),
    ({"shift": {"floaty": "1"}}, "IT-213"),
])
def test_bad_values_name_their_key(data: dict[str, object], code: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_trading_day(data, "EUR")
    assert err.value.code == code


def test_the_admin_screen_saves_the_printer_section_and_keeps_the_rest(tmp_path: Path) -> None:
    from ireti_till.adapters.config_trading_day import save_printer

    path = tmp_path / "config.toml"
    path.write_text('[store]\ncurrency = "EUR"  # the money\n\n[printer]\nkind = "usb"\n'
                    'usb = "04b8:0202"\n\n[shift]\ntolerance = "2.00"\n')
    save_printer(path, {"kind": "network", "host": "10.0.0.7", "port": 9100, "usb": "",
                        "paper_mm": 58})
    text = path.read_text()
    assert 'currency = "EUR"  # the money' in text and 'tolerance = "2.00"' in text
    assert "usb" not in text and text.count("[printer]") == 1
    settings = read_trading_day(path, "EUR")
    assert settings.printer.address == "10.0.0.7:9100" and settings.printer.paper_mm == 58
    assert settings.shift.tolerance == Money(200, "EUR")
    before = path.read_text()
    with pytest.raises(ConfigError) as err:
        save_printer(path, {"kind": "network", "host": "no such host!"})
    assert err.value.code == "IT-623" and path.read_text() == before
