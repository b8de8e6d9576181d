"""Pure rules: percentile visibility, error categories, health statuses and exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ireti_till.domain.metrics import (
    ErrorCategory,
    classify_error,
    label_key,
    min_samples_for,
    parse_label_key,
    percentile_shown,
    success_rate,
    summarise,
)
from ireti_till.services import health as h

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_p99_is_hidden_until_the_sample_can_carry_it() -> None:
    assert [min_samples_for(p) for p in (50.0, 95.0, 99.0)] == [20, 100, 500]
    assert not percentile_shown(99.0, 499) and percentile_shown(99.0, 500)
    s = summarise("tender", 150, {50.0: 800, 95.0: 1900, 99.0: 2500}, 2600)
    assert (s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms) == (800, 1900, None, 2600)
    assert summarise("tender", 0, {}, None).p50_ms is None
    with pytest.raises(ValueError):
        min_samples_for(100.0)


@pytest.mark.parametrize(("etype", "code", "status", "expected"), [
    ("card_error", "card_declined", 402, ErrorCategory.CARD),
    ("invalid_request_error", "terminal_reader_busy", 409, ErrorCategory.READER),
    ("invalid_request_error", "resource_missing", 404, ErrorCategory.INVALID_REQUEST),
    ("idempotency_error", None, 400, ErrorCategory.IDEMPOTENCY),
    (None, None, 429, ErrorCategory.RATE_LIMIT),
    ("RateLimitError", None, None, ErrorCategory.RATE_LIMIT),
    ("APIConnectionError", None, None, ErrorCategory.NETWORK),
    (None, None, None, ErrorCategory.NETWORK),
    (None, None, 503, ErrorCategory.API),
    ("api_error", None, 500, ErrorCategory.API),
])
def test_error_categories(etype, code, status, expected) -> None:
    assert classify_error(etype, code=code, http_status=status) is expected


def test_success_rate_and_labels() -> None:
    assert success_rate(0, 0) is None and success_rate(9, 10) == 0.9
    key = label_key({"code": "expired_card", "a": "b"})
    assert key == "a=b,code=expired_card" and parse_label_key(key) == {"a": "b",
                                                                          "code": "expired_card"}


class _Probe:
    def __init__(self, **over: object) -> None:
        self.over = over

    def _get(self, name: str, default: object) -> object:
        value = self.over.get(name, default)
        if isinstance(value, Exception):
            raise value
        return value

    def database(self):
        return self._get("database", h.DatabaseFacts(True, "ok", frozenset({"r1"}),
                                                     frozenset({"r1"}), frozenset({"r1"})))

    def keyring(self):
        return self._get("keyring", h.KeyringFacts(True, "Memory"))

    def stripe(self):
        return self._get("stripe", h.StripeFacts("training"))

    def reader(self):
        return self._get("reader", h.ReaderFacts(True, "tmr_1", True))

    def queue(self):
        return self._get("queue", h.QueueFacts(True))

    def disk(self):
        return self._get("disk", h.DiskFacts("/d", 50 * 1024**3, 100 * 1024**3))

    def backups(self):
        return self._get("backups", h.BackupFacts(NOW - timedelta(hours=3), "b"))

    def logs(self):
        return self._get("logs", h.LogFacts("/d/logs", True))


def _run(**over: object) -> h.HealthReport:
    return h.HealthService(_Probe(**over), lambda: NOW).run()


def test_all_ok_is_exit_0() -> None:
    report = _run()
    assert report.exit_code == 0, h.render_text(report)
    assert "overall: OK (exit 0)" in h.render_text(report)


@pytest.mark.parametrize(("override", "check", "status"), [
    ({"reader": h.ReaderFacts(False)}, "reader", h.Status.WARN),
    ({"disk": h.DiskFacts("/d", 100 * 1024**2, 10**12)}, "disk", h.Status.FAIL),
    ({"disk": h.DiskFacts("/d", 1024**3, 10**12)}, "disk", h.Status.WARN),
    ({"backups": h.BackupFacts(None)}, "backup", h.Status.WARN),
    ({"backups": h.BackupFacts(NOW - timedelta(days=9), "old")}, "backup", h.Status.FAIL),
    ({"database": h.DatabaseFacts(True, "ok", frozenset({"r9"}), frozenset({"r1"}),
                                  frozenset({"r1"}))}, "database", h.Status.FAIL),
    ({"database": h.DatabaseFacts(True, "ok", frozenset({"r0"}), frozenset({"r1"}),
                                  frozenset({"r0", "r1"}))}, "database", h.Status.WARN),
    ({"keyring": h.KeyringFacts(False, "fail", "NoKeyringError")}, "keyring", h.Status.WARN),
    ({"stripe": h.StripeFacts("live", "live", True), "keyring": h.KeyringFacts(False, "f")},
     "keyring", h.Status.FAIL),
    ({"stripe": h.StripeFacts("live", "live", True, "", NOW, NOW + timedelta(seconds=45))},
     "clock", h.Status.WARN),
    ({"stripe": h.StripeFacts("test", None)}, "stripe", h.Status.WARN),
    ({"queue": h.QueueFacts(True, 2, NOW - timedelta(hours=2))}, "queue", h.Status.WARN),
    ({"queue": h.QueueFacts(True, 0, None, 0, NOW - timedelta(minutes=1), 1)},
     "capture-deadline", h.Status.FAIL),
    ({"queue": h.QueueFacts(True, 0, None, 3)}, "queue-attention", h.Status.WARN),
    ({"logs": h.LogFacts("/x", False, "Permission denied")}, "logs", h.Status.WARN),
    ({"disk": OSError("boom")}, "disk", h.Status.FAIL),
])
def test_each_problem_maps_to_a_status_and_a_guide_entry(override, check, status) -> None:
    report = _run(**override)
    found = next(c for c in report.checks if c.name == check)
    assert found.status == status, found
    assert found.fix and found.guide.startswith("docs/troubleshooting.md#")
    assert report.exit_code == max(c.status for c in report.checks)
    assert len(report.checks) >= 9  # a failing probe never hides the others


def test_only_some_steps() -> None:
    report = h.HealthService(_Probe(database=AssertionError("must not run")), lambda: NOW).run(
        only={"stripe", "queue"})
    assert [c.name for c in report.checks] == ["stripe", "clock", "queue", "capture-deadline"]
