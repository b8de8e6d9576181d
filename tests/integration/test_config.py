"""config.toml: the default file, and every kind of bad file names its key and line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ireti_till.adapters.config_file import (
    DEFAULT_CONFIG,
    ConfigFileError,
    load_config,
    stripe_key_present,
)
from ireti_till.domain.errors import ConfigError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import OverrideKind
from ireti_till.domain.refund_policy import default_matrix
from ireti_till.domain.staff import Role


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_first_start_writes_a_commented_default(data_dir: Path) -> None:
    config = load_config(data_dir)
    written = (data_dir / "config.toml").read_text(encoding="utf-8")
    assert written == DEFAULT_CONFIG and written.count("#") > 10
    assert config.training is True and config.stripe.mode == "training"
    store = config.store
    assert (store.currency, store.till_id, store.prices_include_tax) == ("EUR", "T01", True)
    assert [(r.code, r.rate) for r in store.tax_rates] == [
        ("S", Decimal("0.20")), ("R", Decimal("0.05")), ("Z", Decimal("0"))]
    assert config.ui.lock_after_minutes == 5 and config.ui.beep is True
    assert config.staff.idle_lock_minutes == 5
    assert config.staff.lockout.max_failures == 5
    assert config.staff.overrides.discount.percent == Decimal(10)
    assert config.staff.overrides.void_line_above == Decimal(20)
    assert config.refunds().rules == default_matrix("EUR").rules
    assert config.warnings == ()


def test_staff_and_refund_sections_are_read(data_dir: Path) -> None:
    text = (DEFAULT_CONFIG
            .replace("lockout_minutes = 30 ", "lockout_minutes = 0 ")
            .replace('discount_threshold_amount = ""', 'discount_threshold_amount = "5.00"')
            .replace('void_line_above = "20"', 'void_line_above = "12,5"')
            .replace('# no_sale_drawer = "admin"', 'no_sale_drawer = "admin"')
            .replace("# [[refunds.rules]]\n# name", '[[refunds.rules]]\nname = "any"\n'
                     'amount_over = "20"\nrole = "admin"\n# name'))
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    config = load_config(data_dir)
    assert config.staff.lockout.lock_for is None  # until an admin unlocks
    assert config.staff.overrides.discount.amount == Money(500, "EUR")
    assert config.staff.overrides.void_line_above == Decimal("12.5")
    assert config.staff.overrides.role_for(OverrideKind.NO_SALE_DRAWER) is Role.ADMIN
    assert config.staff.overrides.role_for(OverrideKind.PRICE_OVERRIDE) is Role.SUPERVISOR
    rules = config.refunds().rules
    assert [(r.name, r.role, r.amount_over) for r in rules] == [
        ("any", Role.ADMIN, Money(2000, "EUR"))]


def test_old_ui_lock_setting_still_sets_the_idle_lock(data_dir: Path) -> None:
    text = DEFAULT_CONFIG.replace("[ui]\n", "[ui]\nlock_after_minutes = 7\n").replace(
        "idle_lock_minutes = 5 ", "# idle_lock_minutes = 5 ")
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    assert load_config(data_dir).staff.idle_lock_minutes == 7


def test_an_existing_file_is_never_overwritten(data_dir: Path) -> None:
    (data_dir / "config.toml").write_text(
        DEFAULT_CONFIG.replace('till_id = "T01"', 'till_id = "FRONT-2"'), encoding="utf-8")
    assert load_config(data_dir).store.till_id == "FRONT-2"
    assert 'till_id = "FRONT-2"' in (data_dir / "config.toml").read_text(encoding="utf-8")


# (what to replace, replacement, the key named, the line to find it on, code)
BAD_FILES = [
    ('name = "Demo Store"', 'name = "Demo Store', None, 'name = "Demo Store', "IT-211"),
    ('currency = "EUR"', 'currency = "EURO"', "store.currency", "currency =", "IT-213"),
    ('currency = "EUR"', 'currency = "eur"', "store.currency", "currency =", "IT-213"),
    ('currency = "EUR"', "currency = 978", "store.currency", "currency =", "IT-213"),
    ("beep = true", "beep = 1", "ui.beep", "beep =", "IT-213"),
    ("idle_lock_minutes = 5 ", "idle_lock_minutes = 5.5 ", "staff.idle_lock_minutes",
     "idle_lock_minutes", "IT-213"),
    ("idle_lock_minutes = 5 ", "idle_lock_minutes = 999 ", "staff.idle_lock_minutes",
     "idle_lock_minutes", "IT-213"),
    ("max_failed_pins = 5 ", "max_failed_pins = 11 ", "staff.max_failed_pins",
     "max_failed_pins", "IT-213"),
    ("lockout_minutes = 30 ", "lockout_minutes = 10 ", "staff.lockout_minutes",
     "lockout_minutes", "IT-213"),
    ('discount_threshold_percent = "10%"', 'discount_threshold_percent = "lots"',
     "staff.discount_threshold_percent", "discount_threshold_percent", "IT-213"),
    ('discount_threshold_amount = ""', 'discount_threshold_amount = "1e3"',
     "staff.discount_threshold_amount", "discount_threshold_amount", "IT-213"),
    ('void_line_above = "20"', 'void_line_above = "-5"', "staff.void_line_above",
     "void_line_above", "IT-484"),
    ('void_line_above = "20"', 'void_line_above = "2.505"', "staff.void_line_above",
     "void_line_above", "IT-484"),
    ('void_line_above = "20"', "void_line_above = 20", "staff.void_line_above",
     "void_line_above", "IT-213"),
    ('# no_sale_drawer = "admin"', 'no_sale_drawer = "cashier"',
     "staff.override_roles.no_sale_drawer", 'no_sale_drawer = "cashier"', "IT-213"),
    ('# no_sale_drawer = "admin"', 'open_till = "admin"',
     "staff.override_roles.open_till", "open_till", "IT-212"),
    ("# [[refunds.rules]]\n# name", '[[refunds.rules]]\nname = "x"\nrole = "boss"\n# name',
     "refunds.rules[0].role", 'role = "boss"', "IT-448"),
    ("# [[refunds.rules]]\n# name", '[[refunds.rules]]\namount_over = "-3"\n# name',
     "refunds.rules[0].amount_over", 'amount_over = "-3"', "IT-448"),
    ("# [[refunds.rules]]\n# name", '[[refunds.rules]]\nrefuse = "yes"\n# name',
     "refunds.rules[0].refuse", 'refuse = "yes"', "IT-448"),
    ("prices_include_tax = true", 'prices_include_tax = "yes"', "store.prices_include_tax",
     "prices_include_tax", "IT-213"),
    ('code = "R"', 'code = "S"', "tax_rates[1].code", 'code = "S"\nname = "Reduced', "IT-213"),
    ('rate = "5%"', "rate = 0.05", "tax_rates[1].rate", "rate = 0.05", "IT-213"),
    ('rate = "5%"', 'rate = "five"', "tax_rates[1].rate", 'rate = "five"', "IT-213"),
    ('rate = "5%"', 'rate = "120%"', "tax_rates[1].rate", 'rate = "120%"', "IT-213"),
    ('till_id = "T01"', 'till_id = "T 01"', "store.till_id", "till_id", "IT-213"),
    ('till_id = "T01"', 'till_idd = "T01"', "store.till_idd", "till_idd", "IT-212"),
    ('mode = "training"', 'mode = "production"', "stripe.mode", "mode =", "IT-213"),
    ('reader_id = ""', 'secret_key = "x"', "stripe.secret_key", "secret_key", "IT-212"),
    ('reader_id = ""', 'reader_id = "sk_live_abc123"', "stripe.reader_id", "reader_id",
     "IT-213"),
    ("[ui]", "[screen]", "screen", "[screen]", "IT-212"),
]


@pytest.mark.parametrize(("old", "new", "key", "line_text", "code"), BAD_FILES,
                         ids=[f"{b[2]}:{b[1][:18]}" for b in BAD_FILES])
def test_a_bad_file_names_the_key_and_line_and_refuses(
    data_dir: Path, old: str, new: str, key: str | None, line_text: str, code: str,
) -> None:
    assert old in DEFAULT_CONFIG
    text = DEFAULT_CONFIG.replace(old, new, 1)
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(data_dir)
    error = caught.value
    assert isinstance(error, ConfigFileError)
    assert error.code == code
    assert error.key == key
    first = line_text.split("\n")[0]
    if "\n" in line_text:  # the second of two similar lines
        expected = _line_of(text, line_text.split("\n")[1]) - 1
    else:
        expected = _line_of(text, first)
    assert error.line == expected
    assert f"line {expected}" in str(error)
    assert "will not start" in str(error)
    if "sk_live" in new:
        assert "sk_live_abc123" not in str(error)  # never echo a secret


def test_a_duplicate_key_is_a_syntax_error_with_its_line(data_dir: Path) -> None:
    text = DEFAULT_CONFIG.replace('tax_id = ""', 'tax_id = ""\ncurrency = "GBP"')
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        load_config(data_dir)
    assert caught.value.code == "IT-211"
    assert caught.value.line == _line_of(text, 'currency = "EUR"')  # the second definition
    assert "written twice" in str(caught.value)


def test_missing_tax_rates_and_binary_garbage_are_refused(data_dir: Path) -> None:
    head = DEFAULT_CONFIG.split("# One [[tax_rates]]")[0]
    (data_dir / "config.toml").write_text(head, encoding="utf-8")
    with pytest.raises(ConfigFileError, match="tax_rates"):
        load_config(data_dir)
    (data_dir / "config.toml").write_bytes(b'[store]\nname = "\xff\xfe"\n')
    with pytest.raises(ConfigFileError) as caught:
        load_config(data_dir)
    assert caught.value.line == 2 and caught.value.code == "IT-211"


def test_test_mode_with_a_key_in_the_keyring_is_not_training(data_dir: Path,
                                                             memory_keyring: object) -> None:
    (data_dir / "config.toml").write_text(
        DEFAULT_CONFIG.replace('mode = "training"', 'mode = "test"'), encoding="utf-8")
    without = load_config(data_dir)
    assert without.training is True
    assert "TRAINING" in without.warnings[0]
    memory_keyring.set_password("ireti-till", "stripe-secret-key-test", "sk_test_x")  # type: ignore[attr-defined]
    assert stripe_key_present("test") is True
    assert load_config(data_dir).training is False
    assert load_config(data_dir, key_present=lambda mode: False).training is True


def test_training_mode_never_asks_the_keyring(data_dir: Path) -> None:
    asked: list[str] = []
    config = load_config(data_dir, key_present=lambda mode: asked.append(mode) or True)
    assert config.training is True and asked == []


@pytest.mark.parametrize(("text", "above"), [('""', None), ('"0"', Decimal(0)),
                                             ('"  "', None)])
def test_void_line_above_zero_means_every_void_and_empty_means_none(
        data_dir: Path, text: str, above: Decimal | None) -> None:
    (data_dir / "config.toml").write_text(
        DEFAULT_CONFIG.replace('void_line_above = "20"', f"void_line_above = {text}"),
        encoding="utf-8")
    assert load_config(data_dir).staff.overrides.void_line_above == above
