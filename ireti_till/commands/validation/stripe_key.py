"""Which Stripe key ``validate`` runs with: none (the built-in emulator) or a test key from
``IRETI_STRIPE_TEST_KEY``; a live key is refused before any call."""

from __future__ import annotations

import os
import sys

LIVE_PREFIXES = ("sk_live_", "rk_live_")


def stripe_test_key(stripe_test: bool) -> tuple[str, str] | int:
    if not stripe_test:
        return "", ""
    key = os.environ.get("IRETI_STRIPE_TEST_KEY", "")
    if key.startswith(LIVE_PREFIXES):
        print("validate refuses live keys: use a test key (sk_test_/rk_test_) (IT-350)",
              file=sys.stderr)
        return 2
    if not key.startswith(("sk_test_", "rk_test_")):
        print("set IRETI_STRIPE_TEST_KEY to a Stripe test key (IT-340)", file=sys.stderr)
        return 2
    return key, "Stripe test mode"
