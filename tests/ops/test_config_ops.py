"""Config for operations: [alerts] rules, and override kinds that do nothing are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ireti_till.adapters.config_alerts import load_alert_rules
from ireti_till.adapters.config_file import load_config, write_default
from ireti_till.domain.alerts import AlertRules
from ireti_till.domain.errors import ConfigError


def _config(data_dir: Path, extra: str) -> None:
    write_default(data_dir / "config.toml")
    path = data_dir / "config.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")


def test_default_rules_without_a_section(data_dir: Path) -> None:
    write_default(data_dir / "config.toml")
    load_config(data_dir)
    assert load_alert_rules(data_dir) == AlertRules()


def test_alert_rules_are_read_and_type_checked(data_dir: Path) -> None:
    _config(data_dir, "[alerts]\nqueue_oldest_minutes = 30\naudit_verify = false\n")
    load_config(data_dir)
    rules = load_alert_rules(data_dir)
    assert rules.queue_oldest_minutes == 30 and rules.audit_verify is False
    assert rules.disk_min_free_mb == AlertRules().disk_min_free_mb


@pytest.mark.parametrize("extra", [
    "[alerts]\nqueue_oldest = 30\n",
    "[alerts]\nqueue_oldest_minutes = \"soon\"\n",
    "[alerts]\naudit_verify = 1\n",
])
def test_bad_alert_keys_are_refused(data_dir: Path, extra: str) -> None:
    _config(data_dir, extra)
    load_config(data_dir)  # the section is the alert rules' own (config_alerts.py)
    with pytest.raises(ConfigError) as err:
        load_alert_rules(data_dir)
    assert err.value.code == "IT-571" and "[alerts]" in err.value.message


def test_out_of_range_rules_name_the_line(data_dir: Path) -> None:
    _config(data_dir, "[alerts]\ndecline_rate_percent = 150\n")
    with pytest.raises(ConfigError) as err:
        load_alert_rules(data_dir)
    assert err.value.code == "IT-571"
    lines = (data_dir / "config.toml").read_text(encoding="utf-8").splitlines()
    want = lines.index("decline_rate_percent = 150") + 1
    assert f"line {want}" in err.value.message or "decline_rate_percent" in err.value.message


def test_void_paid_sale_is_refused_with_a_reason(data_dir: Path) -> None:
    write_default(data_dir / "config.toml")
    path = data_dir / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[staff.override_roles]\n", "[staff.override_roles]\nvoid_paid_sale = \"admin\"\n"),
        encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(data_dir)
    assert err.value.code == "IT-212" and "refund" in str(err.value)
    assert "void_paid_sale" in str(err.value)
