"""``ireti-till emulator``: run the Stripe emulator standalone (IT staging practice).

    ireti-till emulator [--port N] [--faults FILE] [--rate-limit R] [--seed S]

Binds 127.0.0.1 only and runs until Ctrl+C. Point a till (or the Stripe CLI, curl, the
SDK) at the printed address with the printed test key. See docs/emulator.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from ireti_till.training import DEFAULT_API_KEY, Emulator, EmulatorConfig, FaultPlan
from ireti_till.training.webhooks import WebhookConfig


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0..65535; 0: a free one)")
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate (requests per second, "
                                         "0 for none)")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ireti-till emulator",
                                description="Run the Stripe emulator on 127.0.0.1.")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument("--faults", metavar="FILE", help="fault plan, JSON or TOML")
    p.add_argument("--rate-limit", type=_rate, default=25.0, metavar="R",
                   help="requests per second before 429 (default 25; 0 = no limit)")
    p.add_argument("--seed", type=int, default=None, help="seed for ids and faults")
    p.add_argument("--api-key", default=DEFAULT_API_KEY,
                   help="the only key accepted (default: any sk_test_/rk_test_ key)")
    p.add_argument("--refund-pending", type=_rate, default=0.0, metavar="SECONDS",
                   help="refunds stay pending this long before they succeed")
    p.add_argument("--state", metavar="FILE", type=Path,
                   help="keep objects in this JSON file across restarts")
    p.add_argument("--webhook-url", metavar="URL",
                   help="deliver signed webhooks here (loopback), e.g. the back office's "
                        "http://127.0.0.1:8443/stripe/webhook")
    p.add_argument("--webhook-secret", metavar="whsec_...",
                   help="signing secret for --webhook-url (default: $IRETI_STRIPE_WEBHOOK_SECRET)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument("--data-dir", help=argparse.SUPPRESS)  # global option; not used here
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.api_key.startswith(("sk_live_", "rk_live_")):
        print("ireti-till emulator: refusing a live key; use sk_test_...", file=sys.stderr)
        return 2
    try:
        plan = FaultPlan.from_file(args.faults) if args.faults else None
    except (OSError, ValueError) as err:
        print(f"ireti-till emulator: cannot use fault plan {args.faults}: {err}",
              file=sys.stderr)
        return 2
    accepted = (args.api_key,) if args.api_key != DEFAULT_API_KEY else ()
    try:
        secret = args.webhook_secret or os.environ.get("IRETI_STRIPE_WEBHOOK_SECRET", "")
        hooks = WebhookConfig(args.webhook_url, secret) if args.webhook_url else None
        config = EmulatorConfig(port=args.port, api_key=args.api_key, accepted_keys=accepted,
                                rate_limit=args.rate_limit or None, seed=args.seed,
                                faults=plan, refund_pending_s=args.refund_pending,
                                state_file=args.state, quiet=not args.verbose,
                                webhooks=hooks)
        emulator = Emulator.start(config)
    except (OSError, ValueError) as err:
        print(f"ireti-till emulator: cannot start: {err}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"Stripe emulator listening on {emulator.base_url}", flush=True)
    print(f"API key: {emulator.api_key}   rate limit: {args.rate_limit or 'none'}/s   "
          f"faults: {args.faults or 'none'}   webhooks: {args.webhook_url or 'none'}",
          flush=True)
    print("Simulate a card: POST /_emulator/readers/<reader>/simulate outcome=approve|decline|"
          "insufficient_funds|expired|customer_cancels|reader_timeout", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        counts = ", ".join(f"{k} {v}" for k, v in sorted(emulator.faults.injected.items()))
        print(f"Stopped. Faults injected: {counts or 'none'}", flush=True)
    return 0
