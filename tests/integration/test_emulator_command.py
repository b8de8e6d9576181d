"""``ireti-till emulator``: starts, serves the SDK, stops cleanly on Ctrl+C (SIGINT)."""

import json
import signal
import subprocess
import sys

import stripe

from ireti_till.commands import emulator as command


def test_runs_until_interrupted(tmp_path):
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"seed": 5, "paths": "^/v1/refunds", "http_500": 1.0}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ireti_till", "emulator", "--rate-limit", "0", "--seed", "3",
         "--faults", str(plan)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Stripe emulator listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        client = stripe.StripeClient("sk_test_anything", base_addresses={"api": url})
        pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "gbp"})
        assert pi.status == "requires_payment_method"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Stopped." in out


def test_refuses_bad_input(tmp_path, capsys):
    assert command.main(["--api-key", "sk_live_x"]) == 2
    bad = tmp_path / "faults.json"
    bad.write_text('{"http_501": 1}')
    assert command.main(["--faults", str(bad)]) == 2
    assert "unknown fault setting" in capsys.readouterr().err
