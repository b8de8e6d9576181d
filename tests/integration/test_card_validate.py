"""``ireti-till validate``: the staging checklist runs headless and fails loudly."""

from __future__ import annotations

import pytest

from ireti_till.commands import validate


def test_checklist_passes_against_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--emulator"]) == 0
    out = capsys.readouterr().out
    for check in ("cash sale", "approved card", "decline: insufficient_funds",
                  "customer cancels", "reader times out", "offline then reconnect",
                  "capture queued and drained", "crash recovery"):
        assert f"{check}" in out
    assert "FAIL" not in out and "partial and full refund" in out
    assert "n/a until the refund service lands" in out


def test_a_failing_check_exits_non_zero(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def broken(self: validate.Checklist) -> str:
        raise AssertionError("reader on fire")

    monkeypatch.setattr(validate.Checklist, "approve", broken)
    assert validate.main([]) == 1
    assert "reader on fire" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
def test_live_keys_are_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("IRETI_STRIPE_TEST_KEY", key)
    assert validate.main(["--stripe-test"]) == 2
