"""``ireti-till export --what sales|refunds|cash|shifts|z [--format csv|json] [--fields A,B]
[--since DATE] [--until DATE] [--shift ID] [-o FILE]``

The trading day's records, from the same ledger rows the Z report sums. An unknown
``--what`` (IT-640), ``--format`` (IT-641) or field (IT-642) is refused with its code and
nothing is written. With ``-o`` the file is written to a temporary name and renamed.
(``export sales`` keeps its own command with the full sale records: lines, taxes, tenders.)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from ireti_till.adapters.db import report_rows  # noqa: F401  (registers uow.report_rows)
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands.export_sales import parse_since
from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir
from ireti_till.domain.errors import InputError, TillError
from ireti_till.services.reports import WHATS, check_request, export


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till export",
                                     description="Export the trading day's records.")
    add_data_dir(parser)
    parser.add_argument("--what", default="sales", help=f"one of {', '.join(WHATS)}")
    parser.add_argument("--format", default="csv", help="csv or json")
    parser.add_argument("--fields", help="comma-separated columns (default: all)")
    parser.add_argument("--since", metavar="DATE", help="only records on/after DATE")
    parser.add_argument("--until", metavar="DATE", help="only records before DATE")
    parser.add_argument("--shift", metavar="ID", help="only records of this shift")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    fields = args.fields.split(",") if args.fields is not None else None
    try:
        check_request(args.what, args.format, fields)
        since = parse_since(args.since) if args.since else None
        until = parse_since(args.until) if args.until else None
    except TillError as exc:
        return fail(exc)
    except ValueError:
        return fail(InputError("--since/--until take a date like 2026-12-04 or "
                               "2026-12-04T14:30", code="IT-650"))
    try:
        ledger = open_ledger(open_data_dir(args.data_dir))
    except TillError as exc:
        return fail(exc)

    def run(out: TextIO) -> int:
        return export(ledger.read_uow, out, args.what, fmt=args.format,  # type: ignore[arg-type]
                      fields=fields, shift_id=args.shift, since=since, until=until)

    try:
        if args.output is None:
            count = run(sys.stdout)
        else:
            partial = args.output.with_name(args.output.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = run(out)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(args.output)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror}", 1)
    except TillError as exc:
        return fail(exc)
    finally:
        ledger.close()
    print(f"exported {count} {args.what} records"
          + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0
