"""``[alerts]`` in config.toml: the alert rules (see docs/runbook.md#alert-rules).

Registration in ``config_file.py`` is one line in ``_SCHEMA`` (``"alerts": ALERT_KEYS``) so
the loader accepts the section and type-checks its keys; ``load_alert_rules(data_dir)``
reads the section again for the alert service and applies the domain's range checks, so a
bad rule stops the till with IT-571 naming the key and the line.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Final

from ireti_till.domain.alerts import RULES_INVALID, AlertRules, parse_rules
from ireti_till.domain.errors import ConfigError

ALERT_KEYS: Final[dict[str, type]] = {
    f.name: (bool if f.type in (bool, "bool") else int) for f in fields(AlertRules)
}


def _line_of(text: str, key: str) -> int | None:
    in_alerts = False
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_alerts = stripped.split("#")[0].strip() == "[alerts]"
        elif in_alerts and stripped.split("=")[0].strip() == key:
            return n
    return None


def load_alert_rules(data_dir: Path) -> AlertRules:
    """The rules from ``<data_dir>/config.toml`` (defaults when the file or section is absent)."""
    path = data_dir / "config.toml"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return AlertRules()
    try:
        section = tomllib.loads(text).get("alerts", {})
    except tomllib.TOMLDecodeError:
        return AlertRules()  # the config loader reports syntax errors (IT-211) first
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'alerts' must be an [alerts] table", code=RULES_INVALID)
    try:
        return parse_rules(section)
    except ConfigError as exc:
        key = next((k for k in section if f"[alerts] {k} " in exc.message), None)
        line = _line_of(text, key) if key else None
        where = f"{path}, line {line}" if line else str(path)
        raise ConfigError(f"{where}: {exc.message}", code=RULES_INVALID) from exc
