"""``ireti-till reconcile --date D [--shift ID] [--json] [--emulator-url URL]``

Matches every card payment and card refund this till recorded on day ``D`` (local midnight to
midnight) or in one shift with Stripe's PaymentIntents and refunds for this till (metadata
``till_id``), and lists every mismatch. Exit 0: all matched; 1: mismatches (IT-652);
2: the command could not run. Read-only: nothing is sent to Stripe but reads. The Stripe key
comes from the keyring (``stripe.mode``); ``--emulator-url`` points at a standalone emulator
(``ireti-till emulator``) for training.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from ireti_till.adapters.db import reconcile_rows  # noqa: F401  (registers uow.reconcile_rows)
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir
from ireti_till.domain.errors import InputError, TillError
from ireti_till.services.payment_port import PaymentGateway
from ireti_till.services.reconcile_day import reconcile


def day_window(text: str) -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"--date {text[:20]!r} is not a date like 2026-12-04",
                         code="IT-650") from exc
    start = datetime(day.year, day.month, day.day).astimezone()  # local midnight
    return start, (start + timedelta(days=1)).astimezone()


def _gateway(args: argparse.Namespace, mode: str) -> PaymentGateway:
    import keyring

    from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER
    from ireti_till.adapters.stripe_gateway import StripeGateway

    if args.emulator_url:
        from ireti_till.training.server import DEFAULT_API_KEY

        return StripeGateway(DEFAULT_API_KEY, base_url=args.emulator_url, training=True,
                             max_network_retries=1)
    try:
        key = (keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode))
               if mode != "training" else None)
    except keyring.errors.KeyringError:  # no usable keyring on this machine
        key = None
    if not key:
        raise TillError("No Stripe key for this till (training mode): give --emulator-url, or "
                        "set the key with `ireti-till stripe-key set`", code="IT-651")
    return StripeGateway(key, training=False, max_network_retries=2)


def main(argv: list[str], *,
         gateway_factory: Callable[[], PaymentGateway] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till reconcile",
                                     description="Match card payments and refunds with Stripe.")
    add_data_dir(parser)
    parser.add_argument("--date", required=True, help="the day, e.g. 2026-12-04")
    parser.add_argument("--shift", metavar="ID", help="only this shift")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--emulator-url", metavar="URL", help="a standalone Stripe emulator")
    args = parser.parse_args(argv)
    try:
        start, end = day_window(args.date)
        data_dir = open_data_dir(args.data_dir)
        from ireti_till.adapters.config_file import load_config

        config = load_config(data_dir)
        gateway = gateway_factory() if gateway_factory else _gateway(args, config.stripe.mode)
        ledger = open_ledger(data_dir)
    except TillError as exc:
        return fail(exc)
    try:
        result = reconcile(ledger.read_uow, gateway, config.store.till_id,  # type: ignore[arg-type]
                           start=start, end=end, shift_id=args.shift)
    except TillError as exc:
        return fail(exc)
    finally:
        ledger.close()
    if args.json:
        out: dict[str, Any] = asdict(result)
        out["ok"] = result.ok
        print(json.dumps(out, indent=2))
    else:
        print("\n".join(result.lines()))
    if not result.ok:
        print(f"ireti-till: {len(result.mismatches)} mismatch(es) with Stripe (IT-652)",
              file=sys.stderr)
        return 1
    return 0
