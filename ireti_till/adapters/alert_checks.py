"""Building the alert service for a data directory (doctor, and the running till).

``doctor_alert_checks(data_dir, probe)`` is what ``ireti-till doctor`` adds to its report;
``build_alert_service(...)`` is what the composition root builds for the running till
(the worker then calls ``evaluate()`` every minute). Both read the rules from
``[alerts]`` in config.toml and the card decline rate from the ledger (read-only).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ireti_till.adapters.config_alerts import load_alert_rules
from ireti_till.adapters.db.base import utc_text
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.services.alerts import AlertService, alert_checks
from ireti_till.services.health import CheckResult, Status
from ireti_till.services.health_facts import HealthProbe


def card_attempts_since(db_path: Path) -> Callable[[datetime], tuple[int, int]]:
    """(card attempts started since ``when``, of which the last card was declined)."""

    def read(when: datetime) -> tuple[int, int]:
        if not db_path.exists():
            return 0, 0
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT count(*), count(decline_code) FROM card_attempts WHERE created_at >= ?",
                (utc_text(when),)).fetchone()
        except sqlite3.OperationalError:  # a ledger from before card payments
            return 0, 0
        finally:
            conn.close()
        return int(row[0]), int(row[1])

    return read


def build_alert_service(
    data_dir: Path,
    probe: HealthProbe,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    audit_check: Callable[[], tuple[bool, str]] | None = None,
    audit_record: Callable[[str, str, Mapping[str, Any]], object] | None = None,
    stripe_probe: bool = True,
) -> AlertService:
    return AlertService(probe, clock, load_alert_rules(data_dir),
                        card_attempts=card_attempts_since(data_dir / DB_FILENAME),
                        audit_check=audit_check, audit_record=audit_record,
                        stripe_probe=stripe_probe)


def doctor_alert_checks(data_dir: Path, probe: HealthProbe) -> list[CheckResult]:
    """The alert lines for ``ireti-till doctor`` (no audit key is read: doctor never touches
    the keyring for it; the running till checks the audit trail)."""
    try:
        service = build_alert_service(data_dir, probe, stripe_probe=False)
    except Exception as exc:  # noqa: BLE001 - a bad [alerts] section is a doctor line
        return [CheckResult("alerts", Status.FAIL, str(exc), "fix [alerts] in config.toml",
                            "alerts")]
    return alert_checks(service)
