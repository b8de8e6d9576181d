"""``ireti-till backoffice enrol URL TILL CODE [--fingerprint FP] | sync | status``.

``enrol`` checks the server's certificate against the fingerprint the admin read out,
exchanges the one-time code for the till's token and keeps the token in the OS keyring."""

from __future__ import annotations

import argparse

from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir
from ireti_till.domain.errors import TillError


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
            sync, factory = wiring.make_sync(ledger.engine, secrets)
            if args.action == "sync":
                run = sync.run_once(force=True)
                if run.error_code:
                    return fail(f"{run.error} ({run.error_code})", 1)
                print(f"sent {run.sent}, acknowledged {run.acked}")
            print(sync.status(factory.enrolled()).text())
            return 0
        finally:
            ledger.close()
    except TillError as exc:
        return fail(exc)
