"""``ireti-till backoffice enrol URL TILL CODE [--fingerprint FP] | sync | status |
retention [DAYS] [--prune]``.

``enrol`` checks the server's certificate against the fingerprint the admin read out,
exchanges the one-time code for the till's token and keeps the token in the OS keyring.
``retention`` shows how long acknowledged feed rows are kept (``[backoffice]
feed_retention_days`` in config.toml, default 30) and how many are old enough to prune (with
DAYS: for that many days instead); ``--prune`` prunes them now, in small batches (the till
does it hourly by itself). Rows the server has not acknowledged are never pruned."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir
from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from sqlalchemy import Engine


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ireti-till backoffice", description=__doc__)
    add_data_dir(p)
    sub = p.add_subparsers(dest="action", required=True)
    e = sub.add_parser("enrol")
    e.add_argument("url")
    e.add_argument("till")
    e.add_argument("code")
    e.add_argument("--fingerprint", default=None)
    sub.add_parser("sync")
    sub.add_parser("status")
    r = sub.add_parser("retention", help="show (and with --prune apply) the feed retention")
    r.add_argument("days", nargs="?", type=int, default=None,
                   help="days to keep instead of the configured ones (1-3650)")
    r.add_argument("--prune", action="store_true", help="prune the old rows now")
    args = p.parse_args(argv)
    data_dir = open_data_dir(args.data_dir)
    from ireti_till.adapters import backoffice_wiring as wiring
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.adapters.secrets import SecretStore

    try:
        ledger = open_ledger(data_dir)
        try:
            secrets = SecretStore(data_dir, training=False)
            if args.action == "enrol":
                wiring.enrol_till(ledger.engine, secrets, args.url, args.till, args.code,
                                  args.fingerprint)
                print(f"till {args.till} enrolled with {args.url}")
                return 0
            if args.action == "retention":
                return _retention(ledger.engine, data_dir, args.days, args.prune)
            sync, factory = wiring.make_sync(ledger.engine, secrets)
            if args.action == "sync":
                run = sync.run_once(force=True)
                if run.error_code:
                    return fail(f"{run.error} ({run.error_code})", 1)
                print(f"sent {run.sent}, acknowledged {run.acked}")
            print(sync.status(factory.enrolled()).text())
            print(_alerts_line(ledger.engine))
            return 0
        finally:
            ledger.close()
    except TillError as exc:
        return fail(exc)


def _alerts_line(engine: Engine) -> str:
    """What the till last noted of its active alerts and whether the server has them."""
    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.services.backoffice_alerts import AlertsOutbox

    revision, sent, kept = AlertsOutbox(lambda: None, SqlFeedStore(engine),
                                        SystemClock()).pending()
    if not revision:
        return "alerts: none noted for the back office yet"
    keys = ", ".join(str(a.get("key", "?")) for a in kept) or "none active"
    return (f"alerts: {keys} ({'sent' if sent == revision else 'waiting to be sent'}, "
            f"revision {revision})")


def _retention(engine: Engine, data_dir: Path, days: int | None, prune: bool) -> int:
    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.backoffice_retention import (
        MAX_DAYS,
        MIN_DAYS,
        load_retention_days,
    )
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.services.backoffice_prune import FeedPrune

    configured = load_retention_days(data_dir)
    if days is not None and not MIN_DAYS <= days <= MAX_DAYS:
        return fail(f"DAYS must be from {MIN_DAYS} to {MAX_DAYS} (IT-743)")
    keep = configured if days is None else days
    store = SqlFeedStore(engine)
    job = FeedPrune(store, SystemClock(), retention_days=keep)
    old, unacked = store.prunable(job.cutoff())
    print(f"feed retention: {configured} days (config.toml [backoffice] feed_retention_days)")
    print(f"acknowledged rows older than {keep} days: {old}; not acknowledged yet (never "
          f"pruned): {unacked}")
    if prune:
        run = job.run_once()
        print(f"pruned {run.deleted} rows in {run.batches} batches (longest "
              f"{run.longest_s * 1000:.1f} ms)")
    return 0
