"""``[backoffice]`` in config.toml: how long acknowledged feed rows are kept on the till.

Registration in ``config_file.py`` is one line in ``_SCHEMA`` (``"backoffice":
BACKOFFICE_KEYS``) so the loader accepts the section and type-checks its keys;
``load_retention_days(data_dir)`` reads it again and checks the range (IT-743)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Final

from ireti_till.domain.errors import ConfigError
from ireti_till.services.backoffice_prune import DEFAULT_RETENTION_DAYS

log = logging.getLogger(__name__)
BACKOFFICE_KEYS: Final[dict[str, type]] = {"feed_retention_days": int}
MIN_DAYS, MAX_DAYS = 1, 3650


def load_retention_days(data_dir: Path) -> int:
    """``[backoffice] feed_retention_days`` (default 30); IT-743 outside 1..3650."""
    try:
        data = tomllib.loads((data_dir / "config.toml").read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return DEFAULT_RETENTION_DAYS
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config.toml cannot be read for [backoffice] ({exc}).",
                          code="IT-743") from exc
    section = data.get("backoffice", {})
    days = section.get("feed_retention_days", DEFAULT_RETENTION_DAYS) \
        if isinstance(section, dict) else None
    if not isinstance(days, int) or isinstance(days, bool) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ConfigError(f"[backoffice] feed_retention_days must be a whole number of days "
                          f"from {MIN_DAYS} to {MAX_DAYS} (got {str(days)[:12]}).",
                          code="IT-743")
    return days


def retention_days_or_default(data_dir: Path) -> int:
    """For the running till's prune job: a bad value is logged (IT-743) and the default kept,
    so the back-office sync still starts; ``ireti-till backoffice retention`` shows the error."""
    try:
        return load_retention_days(data_dir)
    except ConfigError as exc:
        log.error("%s Keeping %d days. (%s)", exc.message, DEFAULT_RETENTION_DAYS, exc.code)
        return DEFAULT_RETENTION_DAYS
