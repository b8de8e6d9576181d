"""Config redaction keeps harmless settings named after PINs and hides real secrets."""

from __future__ import annotations

import json

from ireti_till.domain.redaction import (
    REDACTED,
    contains_secret,
    redact_config,
    redact_text,
    redact_value,
)


def test_pin_counts_stay_visible_pins_do_not() -> None:
    cfg = {"staff": {"max_failed_pins": 5, "lockout_minutes": 15, "pin": "4829",
                     "supervisor_pin": 1234, "pin_required": True}}
    out = redact_value(cfg)
    assert out == {"staff": {"max_failed_pins": 5, "lockout_minutes": 15, "pin": REDACTED,
                             "supervisor_pin": REDACTED, "pin_required": True}}


def test_text_form_of_a_pin_count_is_not_a_secret() -> None:
    text = json.dumps({"max_failed_pins": 5})
    assert redact_text(text) == text
    assert not contains_secret("max_failed_pins = 5")
    assert redact_text("pin=1234") == f"pin={REDACTED}"
    assert redact_text("max_failed_pins = 1234") != "max_failed_pins = 1234"


def test_redact_config_blanks_listed_keys_and_secret_shaped_values() -> None:
    cfg = {"stripe": {"key": "anything", "webhook_secret": "x", "mode": "test",
                      "note": "sk_live_abcdefghijklmnop"},
           "till": {"id": "till-1", "contact": "it@example.com", "card": 4242424242424242}}
    out = redact_config(cfg)
    assert isinstance(out, dict)
    assert out["stripe"]["key"] == REDACTED
    assert out["stripe"]["webhook_secret"] == REDACTED
    assert out["stripe"]["mode"] == "test"
    assert "abcdefghijklmnop" not in out["stripe"]["note"]
    assert out["till"]["id"] == "till-1"
    assert "example.com" not in out["till"]["contact"]
    assert out["till"]["card"] != 4242424242424242
