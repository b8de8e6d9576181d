"""``ireti-till doctor [--json] [--data-dir D]``: the till's health check.

Exit code 0 when every check is OK, 1 when any is WARN, 2 when any is FAIL. Each problem
line names its entry in docs/troubleshooting.md.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from ireti_till.adapters.alert_checks import doctor_alert_checks
from ireti_till.adapters.config_file import CONFIG_FILENAME, load_config
from ireti_till.adapters.health_probes import LocalHealthProbe
from ireti_till.commands.ops_common import add_data_dir, emit, open_data_dir
from ireti_till.domain.errors import ConfigError, TillError
from ireti_till.services.health import (
    CheckResult,
    HealthReport,
    HealthService,
    Status,
    render_text,
)


def build_probe(data_dir: Path, *, api_base: str | None = None) -> tuple[LocalHealthProbe,
                                                                          CheckResult]:
    """The probe for ``data_dir`` and the result of reading its configuration."""
    mode, reader_id = "training", ""
    if not (data_dir / CONFIG_FILENAME).exists():
        config_check = CheckResult("config", Status.OK, "no config.toml yet: defaults "
                                   "(training mode) until the first start")
    else:
        try:
            config = load_config(data_dir)
        except ConfigError as exc:
            config_check = CheckResult("config", Status.FAIL, str(exc), "fix config.toml",
                                       "config")
        except Exception as exc:  # a config that cannot load is a FAIL, whatever broke
            logging.getLogger(__name__).exception("config.toml could not be loaded")
            config_check = CheckResult("config", Status.FAIL, f"config.toml cannot be loaded "
                                       f"({type(exc).__name__}): the till will not start",
                                       "fix config.toml", "config")
        else:
            mode, reader_id = config.stripe.mode, config.stripe.reader_id
            config_check = CheckResult("config", Status.OK,
                                       f"{config.path.name} valid, stripe.mode={mode}")
    reader_id = reader_id or _chosen_reader(data_dir)
    return LocalHealthProbe(data_dir, mode=mode, reader_id=reader_id,
                            api_base=api_base), config_check


def _chosen_reader(data_dir: Path) -> str:
    """The reader chosen in the till (Staff > Card reader, or the training reader), which
    the ledger keeps in ``payment_settings``; "" when none (or no ledger yet)."""
    import sqlite3

    path = data_dir / "ledger.sqlite3"
    if not path.exists():
        return ""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            row = conn.execute("SELECT value FROM payment_settings WHERE name = 'reader_id'"
                               ).fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, ValueError):  # damaged or foreign file: the ledger check says so
        return ""
    return str(row[0]) if row and row[0] else ""


#: The cheap checks for the metrics panel's status lines (no integrity scan of the ledger).
PANEL_CHECKS = frozenset({"stripe", "reader", "queue"})


def run_doctor(data_dir: Path, *, api_base: str | None = None,
               only: Collection[str] | None = None) -> HealthReport:
    """The full report (``ireti-till doctor``, Help > Till health), or only some steps."""
    probe, config_check = build_probe(data_dir, api_base=api_base)
    report = HealthService(probe, lambda: datetime.now(UTC)).run(only=only)
    checks = [config_check, *report.checks]
    if only is None or "printer" in only:  # the receipt printer and its waiting jobs
        from ireti_till.adapters.trading_day_wiring import printer_health

        checks.append(printer_health(data_dir))
    if only is None:  # the alert rules (issue 16)
        checks.extend(doctor_alert_checks(data_dir, probe))
    if only is None or "validation" in only:  # folders of killed `validate` runs
        checks.append(validation_folders())
    return HealthReport(tuple(checks), report.at)


def validation_folders() -> CheckResult:
    """Remove the scratch folders of ``validate`` runs that were killed; report how many."""
    from ireti_till.adapters.validation_scratch import sweep

    swept = sweep()
    summary = f"{len(swept.removed)} stale validation folders removed"
    if not swept.left:
        return CheckResult("validation", Status.OK, summary)
    return CheckResult("validation", Status.WARN, f"{summary}, {len(swept.left)} found and "
                       f"not removable: {', '.join(str(p) for p in swept.left[:3])}",
                       "delete those folders by hand", "stale-validation-folders")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till doctor", description=__doc__)
    add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--stripe-api-base", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
    except TillError as exc:
        report = HealthReport((CheckResult("data-dir", Status.FAIL, str(exc),
                                           "use a writable --data-dir", "data-dir"),),
                              datetime.now(UTC))
    else:
        report = run_doctor(data_dir, api_base=args.stripe_api_base)
    text = json.dumps(report.as_dict(), indent=2) if args.json else render_text(report)
    return report.exit_code if emit(text) else 2
