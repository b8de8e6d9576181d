"""Security: file permissions, redaction, key handling and no card data on the PC."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from ireti_till.commands.validation.case import Case, Category
from ireti_till.commands.validation.env import Env, S
from ireti_till.domain.redaction import redact_text, redact_value

CATEGORY = Category("security", "Security: permissions, redaction, keys", 100,
                    "Secrets only in the keyring (or a 0600 file in training), no PIN or card "
                    "number stored, live keys refused where they do not belong, a config file "
                    "that refuses keys, and redaction of every secret shape in logs and "
                    "bundles. (Printing and shifts join as their own category when they land.)")


def secrets_file_private(env: Env) -> str:
    _ = env.staff  # writes the audit key to the secrets file
    files = list(env.data_dir.glob("*secrets*.json"))
    assert files, "no training secrets file was written"
    mode = stat.S_IMODE(files[0].stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
    return f"{files[0].name} is {oct(mode)} (owner only)"


def no_plain_pins(env: Env) -> str:
    pins = set(env.demo_pins().values())
    hashes = [r[0] for r in env.sql("SELECT pin_hash FROM staff_users")]
    assert hashes and not any(p in h for h in hashes for p in pins), "a PIN in clear"
    assert len(set(hashes)) == len(hashes), "two users share a hash (no salt?)"
    return f"{len(hashes)} PIN hashes, salted and none containing a PIN ({hashes[0][:7]}...)"


def no_card_numbers(env: Env) -> str:
    st = env.card_sale(["approve"])
    assert st.state is S.CAPTURED, st
    conn_rows = env.sql("SELECT card_last4, params_json FROM card_attempts")
    blob = " ".join(str(c) for r in conn_rows for c in r)
    assert "4242424242424242" not in blob, "a card number is stored"
    assert all(r[0] is None or len(r[0]) == 4 for r in conn_rows), conn_rows[:3]
    return f"{len(conn_rows)} attempts: brand and last 4 only, no card number"


def live_key_refused(env: Env) -> str:
    from ireti_till.commands.validation.stripe_key import stripe_test_key

    old = os.environ.get("IRETI_STRIPE_TEST_KEY")
    os.environ["IRETI_STRIPE_TEST_KEY"] = "sk_live_" + "x" * 24
    try:
        got = stripe_test_key(True)
    finally:
        if old is None:
            os.environ.pop("IRETI_STRIPE_TEST_KEY", None)
        else:
            os.environ["IRETI_STRIPE_TEST_KEY"] = old
    assert got == 2, got
    return "validate --stripe-test with a live key exits 2 before any call"


def config_refuses_key(env: Env) -> str:
    from ireti_till.adapters.config_file import load_config
    from ireti_till.domain.errors import TillError

    folder = env.root / "config-key"
    folder.mkdir(exist_ok=True)
    (folder / "config.toml").write_text(
        '[stripe]\nmode = "test"\napi_key = "sk_test_' + "a" * 24 + '"\n', encoding="utf-8")
    try:
        load_config(folder, key_present=lambda _mode: False)
    except TillError as exc:
        assert "sk_test_aaaa" not in str(exc), "the refusal repeats the key"
        return f"a Stripe key in config.toml refused ({exc.code}) without echoing it"
    raise AssertionError("a key in config.toml was accepted")


def redacts(sample: str, secret: str, what: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        out = redact_text(sample)
        assert secret not in out, out
        assert redact_text(out) == out, "redaction is not idempotent"
        return f"{what}: {out!r}"
    return check


def keeps_settings(env: Env) -> str:
    cfg = {"staff": {"max_failed_pins": 5, "lockout_minutes": 30, "supervisor_pin": "482913"}}
    out = redact_value(cfg)
    assert out == {"staff": {"max_failed_pins": 5, "lockout_minutes": 30,
                             "supervisor_pin": "[REDACTED]"}}, out
    return "max_failed_pins and lockout_minutes stay; supervisor_pin is blanked"


def bundle_has_no_secret_files(env: Env) -> str:
    from ireti_till.commands.validation.categories.operations import _bundle

    _ = env.staff
    with _bundle(env) as z:
        names = z.namelist()
    assert not [n for n in names if "secret" in n or n.endswith(".sqlite3")], names
    return f"{len(names)} members; no secrets file and no database copy"


CASES = [
    Case("SEC-01", "The training secrets file is readable by its owner only",
         secrets_file_private),
    Case("SEC-02", "PINs are stored only as salted hashes", no_plain_pins),
    Case("SEC-03", "No card number is stored, only brand and last 4", no_card_numbers),
    Case("SEC-04", "Validation refuses a live Stripe key", live_key_refused),
    Case("SEC-05", "A Stripe key written in config.toml is refused", config_refuses_key),
    Case("SEC-06", "Logs hide Stripe secret keys",
         redacts("using sk_live_51Habcdefghijklmnop now", "51Habcdefghijklmnop",
                 "Stripe key")),
    Case("SEC-07", "Logs hide card numbers with spaces or dashes",
         redacts("card 4242-4242-4242-4242 read", "4242-4242-4242-4242", "card number")),
    Case("SEC-08", "Logs hide Authorization headers",
         redacts("Authorization: Bearer rk_test_zzzzzzzzzzzz", "zzzzzzzzzzzz",
                 "Authorization header")),
    Case("SEC-09", "Logs hide PINs given as name=value",
         redacts("approve supervisor_pin=482913 ok", "482913", "PIN")),
    Case("SEC-10", "Logs hide e-mail addresses",
         redacts("receipt to jane.doe@example.com", "jane.doe@example.com", "e-mail")),
    Case("SEC-11", "Harmless pin-named settings stay readable; real PINs do not",
         keeps_settings),
    Case("SEC-12", "The support bundle carries no secrets file and no database copy",
         bundle_has_no_secret_files),
]
