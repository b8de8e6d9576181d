"""Command-line entry point.

Each sub-command lives in its own module under ``ireti_till.commands`` and is imported
only when it is asked for, so ``ireti-till`` with no arguments reaches the sale screen
without importing Stripe, Alembic or anything else it does not need yet.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from ireti_till import __version__

# command words -> (module, help). The module exposes ``main(argv: list[str]) -> int``.
COMMANDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("catalog", "import"): ("ireti_till.commands.catalog_import", "import products from CSV"),
    ("export",): ("ireti_till.commands.export",
                  "export [--what] sales|refunds|cash|shifts|z|sale-records (CSV/JSON)"),
    ("reconcile",): ("ireti_till.commands.reconcile",
                     "match a day's card payments and refunds with Stripe"),
    ("emulator",): ("ireti_till.commands.emulator", "run the Stripe emulator standalone"),
    ("selftest",): ("ireti_till.commands.selftest", "ring a cash sale offscreen and check it"),
    ("doctor",): ("ireti_till.commands.doctor", "health check"),
    ("validate",): ("ireti_till.commands.validate", "run the staging checklist headless"),
    ("audit", "verify"): ("ireti_till.commands.audit_verify", "verify the audit chain"),
    ("support-bundle",): ("ireti_till.commands.support_bundle", "write a redacted support zip"),
    ("backup",): ("ireti_till.commands.backup", "back up the ledger now"),
    ("restore",): ("ireti_till.commands.restore", "restore the ledger from a backup"),
    ("stripe-key",): ("ireti_till.commands.stripe_key",
                      "set, check or remove the Stripe key (keyring)"),
    ("server",): ("ireti_till.commands.server", "the back-office server (run, migrate, enrol)"),
    ("backoffice",): ("ireti_till.commands.backoffice", "join the back office, sync now, status"),
}

USAGE = """usage: ireti-till [--data-dir DIR] [--version] [COMMAND ...]

With no command, starts the till (training mode unless a Stripe key is configured).

commands:
"""


def _usage() -> str:
    lines = [USAGE]
    for words, (_module, text) in COMMANDS.items():
        lines.append(f"  {' '.join(words):<18} {text}\n")
    return "".join(lines)


def _resolve(argv: list[str]) -> tuple[str, list[str]] | None:
    for n in (2, 1):
        key = tuple(argv[:n])
        if len(key) == n and key in COMMANDS:
            return COMMANDS[key][0], argv[n:]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        print(f"ireti-till {__version__}")
        return 0
    if args[:1] in (["-h"], ["--help"]):
        print(_usage(), end="")
        return 0
    # Global options may stand before the command word; pass them through to it.
    globals_: list[str] = []
    while args and args[0].startswith("--data-dir"):
        if "=" in args[0]:
            globals_.append(args.pop(0))
        elif len(args) >= 2:
            globals_ += [args.pop(0), args.pop(0)]
        else:
            print("ireti-till: --data-dir needs a directory", file=sys.stderr)
            return 2
    resolved = _resolve(args) if args and not args[0].startswith("-") else None
    if resolved is None:
        if args and not args[0].startswith("-"):
            print(f"ireti-till: unknown command {' '.join(args[:2])!r}\n", file=sys.stderr)
            print(_usage(), end="", file=sys.stderr)
            return 2
        module_name, rest = "ireti_till.app", args
    else:
        module_name, rest = resolved
    module = importlib.import_module(module_name)
    result: int = module.main(globals_ + rest)
    return result


def gui_main() -> int:
    return main()
