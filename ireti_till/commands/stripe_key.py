"""``ireti-till stripe-key set|status|delete --mode test|live``: the Stripe key in the keyring.

IT sets the till's Stripe secret key with this command instead of a generic keyring tool.
The key is read from the terminal without echo (or from standard input when piped), checked
for its shape (``sk_test_``/``rk_test_`` for test mode, ``sk_live_``/``rk_live_`` for live),
and stored only in the OS keyring, under the names the configuration loader looks for. It is
never printed, logged or written to a file; ``status`` shows only whether a key is there and
its last four characters. Without an OS keyring the command refuses (DESIGN §9). The change
is recorded in the audit trail when the ledger has one.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys

from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER
from ireti_till.adapters.paths import resolve_data_dir
from ireti_till.adapters.secrets import NO_KEYRING, keyring_available
from ireti_till.domain.errors import TillError

log = logging.getLogger(__name__)

_SHAPES = {
    "test": re.compile(r"^(sk|rk)_test_[A-Za-z0-9]{10,247}$"),
    "live": re.compile(r"^(sk|rk)_live_[A-Za-z0-9]{10,247}$"),
}


def _mask(key: str) -> str:
    return f"{key[:8]}…{key[-4:]}"


def _read_key(mode: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"Stripe {mode} secret key (input hidden): ").strip()
    return sys.stdin.readline().strip()


def _audit(data_dir_arg: str | None, action: str, mode: str) -> None:
    """Record the key change (never the key) if this till has an audit trail."""
    try:
        from ireti_till.adapters.audit_ops import record_restore  # appends + moves the anchor
        from ireti_till.adapters.db.ledger import DB_FILENAME

        data_dir = resolve_data_dir(data_dir_arg)
        if (data_dir / DB_FILENAME).exists():
            record_restore(data_dir, "stripe_key_changed", "it-admin",
                           {"action": action, "mode": mode})
    except TillError as exc:
        log.info("stripe key change not audited: %s", exc)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till stripe-key", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("action", choices=("set", "status", "delete"))
    parser.add_argument("--mode", choices=("test", "live"), default="test")
    args = parser.parse_args(argv)
    if not keyring_available():
        print(f"stripe-key: {NO_KEYRING} (IT-470)", file=sys.stderr)
        return 2
    import keyring

    user = STRIPE_KEY_USER.format(mode=args.mode)
    if args.action == "status":
        for mode in ("test", "live"):
            key = keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode))
            print(f"{mode:<5} {'set: ' + _mask(key) if key else 'not set'}")
        return 0
    if args.action == "delete":
        if keyring.get_password(KEYRING_SERVICE, user):
            keyring.delete_password(KEYRING_SERVICE, user)
        _audit(args.data_dir, "deleted", args.mode)
        print(f"the {args.mode} key is removed; set stripe.mode = \"training\" or a new key")
        return 0
    key = _read_key(args.mode)
    if not _SHAPES[args.mode].match(key):
        other = "live" if args.mode == "test" else "test"
        hint = (f" (it looks like a {other} key: use --mode {other})"
                if _SHAPES[other].match(key) else "")
        print(f"stripe-key: that is not a Stripe {args.mode} secret or restricted key{hint}; "
              "nothing was stored (IT-352)", file=sys.stderr)
        return 2
    keyring.set_password(KEYRING_SERVICE, user, key)
    _audit(args.data_dir, "set", args.mode)
    print(f"stored the {args.mode} key {_mask(key)} in the OS keyring; set "
          f"stripe.mode = \"{args.mode}\" in config.toml and restart the till")
    return 0
