"""``ireti-till export sales [--since DATE] [--format csv|json] [-o FILE]``

One record per sale (id, receipt number, timestamps, lines, taxes, totals, tenders).
``--since`` takes a date (``2026-11-01``: from local midnight) or a date and time
(``2026-11-01T14:30``, local unless it carries an offset or ``Z``). Without ``-o`` the
export goes to standard output; with ``-o`` it is written to a temporary file first and
renamed, so a half-written export never looks complete.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir
from ireti_till.domain.errors import TillError
from ireti_till.services.export import FORMATS, export_sales


def parse_since(text: str) -> datetime:
    """A date or ISO date-time; naive values are local time. Raises ValueError."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.astimezone()  # local time zone of this machine
    return value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till export sales",
                                     description="Export completed sales.")
    add_data_dir(parser)
    parser.add_argument("--since", metavar="DATE", help="only sales completed on/after DATE")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE instead of standard output")
    args = parser.parse_args(argv)
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError:
        return fail(f"--since {args.since!r} is not a date like 2026-11-01 or "
                    "2026-11-01T14:30", 2)
    try:
        data_dir = open_data_dir(args.data_dir)
        ledger = open_ledger(data_dir)
    except TillError as exc:
        return fail(exc)
    try:
        if args.output is None:
            count = export_sales(ledger.read_uow, sys.stdout, since=since, fmt=args.format)
        else:
            partial = args.output.with_name(args.output.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = export_sales(ledger.read_uow, out, since=since, fmt=args.format)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(args.output)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror}", 1)
    except TillError as exc:
        return fail(exc)
    finally:
        ledger.close()
    print(f"exported {count} sales" + (f" to {args.output}" if args.output else ""),
          file=sys.stderr)
    return 0
