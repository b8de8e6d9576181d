"""``ireti-till server run|migrate|enrol|revoke|user add|cert|tax-rate|metrics-token|
refund-release``.

The database URL comes from ``--database-url`` or ``IRETI_SERVER_DATABASE_URL`` (PostgreSQL,
psycopg 3). ``run`` serves HTTPS with ``--cert/--key``; plain HTTP only on a loopback host.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import sys
from pathlib import Path

from ireti_till.domain.errors import TillError


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ireti-till server", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=None)
    p.add_argument("--config", type=Path, default=None,
                   help="TOML file with [server] database_url, host, port, cert, key")
    sub = p.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="serve the back office")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8470)
    run.add_argument("--cert", type=Path)
    run.add_argument("--key", type=Path)
    run.add_argument("--migrate", action="store_true", help="migrate the database first")
    run.add_argument("--metrics-loopback-open", action="store_true",
                     help="let loopback clients scrape /metrics without a token (not behind "
                          "a reverse proxy on this machine: its requests come from loopback)")
    sub.add_parser("migrate", help="bring the database schema to head")
    enrol = sub.add_parser("enrol", help="make a one-time enrolment code for a till")
    enrol.add_argument("till")
    enrol.add_argument("--store", required=True)
    enrol.add_argument("--cert", type=Path, help="the server certificate (prints its pin)")
    revoke = sub.add_parser("revoke", help="stop accepting a till's token")
    revoke.add_argument("till")
    user = sub.add_parser("user", help="back-office users")
    user.add_argument("verb", choices=("add",))
    user.add_argument("name")
    rate = sub.add_parser("tax-rate", help="set a store's tax rate (tills pull it)")
    rate.add_argument("store")
    rate.add_argument("code", help="the tax code products carry, e.g. S")
    rate.add_argument("rate", help='e.g. "20%%" or "5.5%%"')
    scrape = sub.add_parser("metrics-token", help="make (or replace) a /metrics scrape token; "
                            "printed once, stored hashed")
    scrape.add_argument("name", help="who scrapes, e.g. prometheus")
    scrape.add_argument("--revoke", action="store_true", help="delete the named token")
    stuck = sub.add_parser("refund-release", help="settle a cross-till refund reservation "
                           "its till will never settle (a till that is gone)")
    stuck.add_argument("refund_ref", help="the refund id, as on the fleet page")
    cert = sub.add_parser("cert", help="make a self-signed certificate and key")
    cert.add_argument("--out", type=Path, required=True)
    cert.add_argument("--host", action="append", default=[])
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except TillError as exc:
        print(f"ireti-till server: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    from ireti_till.server import tls

    if args.action == "cert":
        args.out.mkdir(parents=True, exist_ok=True)
        fp = tls.make_self_signed(args.out / "server.crt", args.out / "server.key",
                                  args.host or ["127.0.0.1"])
        print(f"wrote {args.out / 'server.crt'} and server.key\nfingerprint {tls.pretty(fp)}")
        return 0
    from ireti_till.server import auth, db

    config = _config(args.config)
    for name in ("host", "port", "cert", "key"):
        if name in config and getattr(args, name, None) in (None, "127.0.0.1", 8470):
            value = config[name]
            setattr(args, name, Path(str(value)) if name in ("cert", "key") else value)
    from_file = config.get("database_url")
    engine = db.make_engine(db.database_url(args.database_url, str(from_file) if from_file
                                            else None), pool_size=2)
    if args.action == "migrate":
        db.migrate(engine)
        print(f"back-office database at {db.head()}")
    elif args.action == "enrol":
        code = auth.make_enrolment(engine, args.till, args.store)
        print(f"till {args.till} in store {args.store}: one-time code {code} (valid 24 h)")
        if args.cert:
            print(f"server fingerprint {tls.pretty(tls.fingerprint_of(args.cert))}")
    elif args.action == "revoke":
        if not auth.revoke(engine, args.till):
            print(f"ireti-till server: no till {args.till} (IT-704)", file=sys.stderr)
            return 2
        print(f"till {args.till} revoked: its token is refused from now on")
    elif args.action == "tax-rate":
        from ireti_till.server import catalog

        version = catalog.set_tax_rate(engine, args.store, args.code, args.rate, "cli")
        print(f"store {args.store}: tax {args.code} = {args.rate.strip()} (catalog version "
              f"{version}); tills use it from their next catalog pull")
    elif args.action == "metrics-token":
        if args.revoke:
            if not auth.revoke_metrics_token(engine, args.name):
                print(f"ireti-till server: no scrape token {args.name} (IT-704)",
                      file=sys.stderr)
                return 2
            print(f"scrape token {args.name} revoked (refused from the next scrape on)")
            return 0
        token = auth.make_metrics_token(engine, args.name)
        print(f"scrape token {args.name} (shown once; put it in Prometheus' "
              f"authorization.credentials):\n{token}")
    elif args.action == "refund-release":
        from ireti_till.server import refunds

        done = refunds.release_stuck(engine, args.refund_ref, "cli")
        what = ("confirmed: its refund reached the back office" if done["outcome"] ==
                "confirmed" else "released: its units can be refunded again")
        print(f"reservation {done['refund_ref']} of till {done['till_id']} (sale "
              f"{done['sale_id']}) {what}")
    elif args.action == "user":
        password = (getpass.getpass(f"password for {args.name}: ") if sys.stdin.isatty()
                    else sys.stdin.readline().rstrip("\n"))
        auth.add_user(engine, args.name, password)
        print(f"user {args.name} saved")
    elif args.action == "run":
        return _run(args, engine)
    return 0


def _config(path: Path | None) -> dict[str, object]:
    if path is None:
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TillError(f"The server configuration {path} cannot be read ({exc}).",
                        code="IT-713") from exc
    server = data.get("server", {})
    return dict(server) if isinstance(server, dict) else {}


def _run(args: argparse.Namespace, engine: object) -> int:
    import uvicorn

    from ireti_till.server import db
    from ireti_till.server.app import create_app

    tls_on = bool(args.cert and args.key)
    if not tls_on and not _loopback(args.host):
        print("ireti-till server: plain HTTP is only allowed on a loopback address; give "
              "--cert and --key (see 'ireti-till server cert') (IT-708)", file=sys.stderr)
        return 2
    if args.migrate:
        db.migrate(engine)  # type: ignore[arg-type]
    app = create_app(engine, secure_cookies=tls_on,  # type: ignore[arg-type]
                     metrics_loopback_open=args.metrics_loopback_open)
    if args.metrics_loopback_open:
        print("ireti-till server: /metrics is open to loopback clients without a token",
              file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info",
                ssl_certfile=str(args.cert) if tls_on else None,
                ssl_keyfile=str(args.key) if tls_on else None, server_header=False)
    return 0
