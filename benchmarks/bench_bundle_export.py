"""Support bundle export time and size with a week of logs.

    .venv/bin/python benchmarks/bench_bundle_export.py [--lines-per-day N]

Writes a week of realistic JSON-lines logs (default 30,000 lines a day, rotated at 5 MB
like the till does, with some secrets sprinkled in), a ledger, then times
``write_support_bundle``. Same-run baseline: zipping the same log files unredacted with
``zipfile`` (what a bundle without redaction or checks would cost).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.logging_setup import configure_logging, installed_handlers
from ireti_till.commands.support_bundle import write_support_bundle

MESSAGES = (
    "sale committed receipt T01-{n:06d} total {a} EUR",
    "payment intent pi_{n:024d} created for attempt {u}",
    "reader tmr_FDOt2wlRZEdpd7 action succeeded in {a} ms",
    "capture queued for pi_{n:024d}: APIConnectionError",
    "supervisor override approved by u-{a} reason price match",
    "customer e-mail receipt requested for someone{a}@example.com",  # redacted
    "retry with Authorization: Bearer sk_test_{u}",  # redacted
)


def write_logs(log_dir: Path, lines_per_day: int) -> int:
    configure_logging(log_dir, console_level="CRITICAL")
    rnd = random.Random(6)
    start = datetime.now(UTC) - timedelta(days=7)
    logger = logging.getLogger("ireti_till.bench")
    total = 0
    for day in range(7):
        for i in range(lines_per_day):
            n = day * lines_per_day + i
            msg = rnd.choice(MESSAGES).format(n=n, a=rnd.randint(10, 9999), u=rnd.getrandbits(64))
            logger.info(msg, extra={"sale_id": f"s-{n}", "ts_hint": str(start)})
            total += 1
    for handler in installed_handlers():
        handler.flush()
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines-per-day", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.lines_per_day = 500
        args.rounds = 2
    work = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    engine = make_engine(work / DB_FILENAME)
    migrate.upgrade(engine, target="heads")
    engine.dispose()
    t = time.perf_counter()
    lines = write_logs(work / "logs", args.lines_per_day)
    log_bytes = sum(p.stat().st_size for p in (work / "logs").iterdir())
    print(f"wrote {lines} log lines, {log_bytes / 1e6:.1f} MB in "
          f"{len(list((work / 'logs').iterdir()))} files ({time.perf_counter() - t:.1f} s)")
    logging.getLogger().handlers.clear()
    bundle_s, zip_s = [], []
    size = 0
    for i in range(args.rounds):
        target = work / f"bundle-{i}.zip"
        t = time.perf_counter()
        write_support_bundle(work, target)
        bundle_s.append(time.perf_counter() - t)
        size = target.stat().st_size
        with zipfile.ZipFile(target) as z:
            assert not any(b"sk_test_" in z.read(n) and b"sk_test_[REDACTED]" not in z.read(n)
                           for n in z.namelist())
        target.unlink()
        t = time.perf_counter()
        with zipfile.ZipFile(work / "plain.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for p in (work / "logs").iterdir():
                z.write(p, p.name)
        zip_s.append(time.perf_counter() - t)
    b, z = statistics.median(bundle_s), statistics.median(zip_s)
    print(f"support bundle: median {b:.2f} s, {size / 1e6:.2f} MB zip "
          f"(redacted, manifest, leak re-scan)")
    print(f"plain zip of the logs: median {z:.2f} s (baseline)")
    print(f"ratio: {b / z:.1f}x over {args.rounds} rounds; {json.dumps({'lines': lines})}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
