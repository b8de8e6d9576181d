"""``ireti-till validate``: the staging checklist runs headless and fails loudly."""

from __future__ import annotations

from typing import Any

import pytest

from ireti_till.commands import validate

CHECKS = ("cash sale", "approved card", "decline: insufficient_funds", "customer cancels",
          "reader times out", "offline then reconnect", "capture queued and drained",
          "crash recovery", "partial and full card refund (approval, outbox)", "cash refund")


def _row(out: str, check: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(check))


def test_checklist_passes_against_the_emulator(capsys: pytest.CaptureFixture[str],
                                              memory_keyring: Any) -> None:
    assert validate.main(["--emulator"]) == 0
    out = capsys.readouterr().out
    for check in CHECKS:
        assert " PASS " in _row(out, check), check
    assert "FAIL" not in out and "N/A" not in out and "n/a" not in out
    refunds = _row(out, "partial and full card refund")
    assert "refused unapproved (IT-435)" in refunds and "approved by a supervisor" in refunds
    assert "Stripe holds exactly those 2" in refunds and "refused (IT-444)" in refunds
    assert "no Stripe call" in _row(out, "cash refund")
    assert memory_keyring.values == {}  # the throwaway staff never touch this PC's keyring


def test_a_failing_check_exits_non_zero(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def broken(self: validate.Checklist) -> str:
        raise AssertionError("reader on fire")

    monkeypatch.setattr(validate.Checklist, "approve", broken)
    assert validate.main([]) == 1
    assert "reader on fire" in capsys.readouterr().out


def test_an_extra_refund_at_stripe_fails_the_refund_check(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = validate.Checklist._refunds_at_stripe

    def one_too_many(self: validate.Checklist, intent_id: str) -> list[tuple[int, str]]:
        return sorted([*real(self, intent_id), (1, "stray")])

    monkeypatch.setattr(validate.Checklist, "_refunds_at_stripe", one_too_many)
    assert validate.main([]) == 1
    row = _row(capsys.readouterr().out, "partial and full card refund")
    assert " FAIL " in row  # the stray refund is seen (before or after the sends)


def test_an_unapproved_refund_above_the_limit_fails_the_check(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validate.RefundService, "refund", _no_checks)
    assert validate.main([]) == 1
    out = capsys.readouterr().out
    assert " FAIL " in _row(out, "partial and full card refund")
    assert "went through unapproved" in out


def _no_checks(self: validate.RefundService, *args: object, **kw: object) -> object:
    return object()  # a service that accepts anything without approval


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
def test_live_keys_are_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("IRETI_STRIPE_TEST_KEY", key)
    assert validate.main(["--stripe-test"]) == 2
