"""The alert service built for a real till: decline rate from the ledger, doctor's lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ireti_till.adapters.alert_checks import card_attempts_since, doctor_alert_checks
from ireti_till.adapters.health_probes import LocalHealthProbe
from ireti_till.commands.validation.env import Env
from ireti_till.services.health import Status


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    from ireti_till.training.server import Emulator, EmulatorConfig

    emulator = Emulator.start(EmulatorConfig(rate_limit=None))
    e = Env(tmp_path, emulator.api_key, emulator.base_url, emulator)
    try:
        yield e
    finally:
        e.close()
        emulator.stop()


def test_decline_rate_is_read_from_the_ledger(env: Env) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    env.card_sale(["approve"])
    env.card_sale(["decline", "approve"])
    env.card_sale(["insufficient_funds"])
    attempts, declined = card_attempts_since(env.db_path)(start)
    assert attempts == 3 and declined == 1  # the one that ended declined
    assert card_attempts_since(env.db_path)(datetime.now(UTC) + timedelta(minutes=1)) == (0, 0)
    assert card_attempts_since(env.root / "missing.sqlite3")(start) == (0, 0)


def test_doctor_lines_name_the_runbook(env: Env) -> None:
    (env.data_dir / "config.toml").write_text("[alerts]\ndisk_min_free_mb = 1000000000\n",
                                              encoding="utf-8")
    checks = doctor_alert_checks(env.data_dir, LocalHealthProbe(env.data_dir))
    by_name = {c.name: c for c in checks}
    assert by_name["alert disk_low"].status is Status.FAIL
    assert "docs/runbook.md#disk-full" in by_name["alert disk_low"].fix
    assert by_name["alert backup_stale"].status is Status.WARN


def test_a_bad_alerts_section_is_a_doctor_failure(env: Env) -> None:
    (env.data_dir / "config.toml").write_text("[alerts]\nnope = 1\n", encoding="utf-8")
    checks = doctor_alert_checks(env.data_dir, LocalHealthProbe(env.data_dir))
    assert [c.status for c in checks] == [Status.FAIL] and "IT-571" in checks[0].summary
