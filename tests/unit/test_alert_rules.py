"""The pure alert evaluator and the [alerts] rules parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ireti_till.domain.alerts import (
    RUNBOOK_ANCHORS,
    AlertFacts,
    AlertRules,
    Severity,
    evaluate,
    parse_rules,
)
from ireti_till.domain.errors import ConfigError

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
QUIET = AlertFacts(now=NOW, last_verified_backup=NOW - timedelta(hours=1),
                   disk_free_bytes=50 * 1024**3, audit_ok=True, clock_skew_seconds=1.0)


def keys(facts: AlertFacts, rules: AlertRules | None = None) -> set[str]:
    return {a.key for a in evaluate(rules or AlertRules(), facts)}


def test_a_healthy_till_has_no_alerts() -> None:
    assert keys(QUIET) == set()


@pytest.mark.parametrize(("change", "key"), [
    ({"queue_oldest": NOW - timedelta(minutes=16), "queue_pending": 2}, "queue_stuck"),
    ({"nearest_capture_before": NOW + timedelta(hours=23), "uncaptured": 1}, "capture_due"),
    ({"attempts_in_window": 10, "declines_in_window": 6}, "decline_rate"),
    ({"reader_offline_since": NOW - timedelta(minutes=6)}, "reader_offline"),
    ({"last_verified_backup": NOW - timedelta(hours=27)}, "backup_stale"),
    ({"last_verified_backup": None}, "backup_stale"),
    ({"disk_free_bytes": 900 * 1024**2}, "disk_low"),
    ({"audit_ok": False, "audit_problem": "entry 7 changed"}, "audit_failing"),
    ({"clock_skew_seconds": -300.0}, "clock_skew"),
])
def test_each_rule_fires_past_its_threshold(change: dict[str, object], key: str) -> None:
    from dataclasses import replace
    alerts = evaluate(AlertRules(), replace(QUIET, **change))  # type: ignore[arg-type]
    assert [a.key for a in alerts] == [key]
    assert alerts[0].link == f"docs/runbook.md#{RUNBOOK_ANCHORS[key]}"


@pytest.mark.parametrize("change", [
    {"queue_oldest": NOW - timedelta(minutes=14), "queue_pending": 2},
    {"queue_oldest": NOW - timedelta(hours=3), "queue_pending": 0},
    {"nearest_capture_before": NOW + timedelta(hours=25), "uncaptured": 1},
    {"attempts_in_window": 4, "declines_in_window": 4},  # too few attempts to judge
    {"attempts_in_window": 10, "declines_in_window": 5},  # exactly 50 %: not over
    {"reader_offline_since": NOW - timedelta(minutes=4)},
    {"last_verified_backup": None, "backups_known": False},
    {"disk_free_bytes": None},
    {"audit_ok": None},
    {"clock_skew_seconds": 119.0},
])
def test_below_thresholds_or_unmeasured_is_quiet(change: dict[str, object]) -> None:
    from dataclasses import replace
    assert keys(replace(QUIET, **change)) == set()  # type: ignore[arg-type]


def test_critical_first_and_rules_are_configurable() -> None:
    from dataclasses import replace
    facts = replace(QUIET, disk_free_bytes=10, clock_skew_seconds=500.0)
    alerts = evaluate(AlertRules(), facts)
    assert alerts[0].severity is Severity.CRITICAL and alerts[0].key == "disk_low"
    assert keys(facts, parse_rules({"disk_min_free_mb": 0, "clock_skew_seconds": 600})) == set()


@pytest.mark.parametrize("section", [
    {"queue_oldest": 5}, {"queue_oldest_minutes": -1}, {"queue_oldest_minutes": 1.5},
    {"audit_verify": "yes"}, {"decline_rate_percent": 101}, {"disk_min_free_mb": True},
])
def test_bad_rules_are_refused_with_a_code(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as err:
        parse_rules(section)
    assert err.value.code == "IT-571"
