"""``ireti-till export [WHAT] [--what sales|refunds|cash|shifts|z|sale-records]
[--format csv|json] [--fields A,B] [--since DATE] [--until DATE] [--shift ID] [-o FILE]``

THE export command (``export sales`` is ``export --what sales``). The trading day's records
come from the same ledger rows the Z report sums; ``sale-records`` gives one nested record
per sale (lines, taxes, tenders). An unknown what (IT-640), format (IT-641) or field
(IT-642) is refused with its code before anything is opened or written; so is a target
that is not a regular file (IT-546). With ``-o`` the export is written beside the file the
path names (through symlinks, 0600, fsynced) and renamed onto it; a full disk is IT-502.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from ireti_till.adapters.db import report_rows  # noqa: F401  (registers uow.report_rows)
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir, silence_stdout
from ireti_till.commands.safe_output import (
    output_error,
    parse_since,
    target_of,
    write_safely,
)
from ireti_till.domain.errors import InputError, TillError
from ireti_till.services.export import export_sales
from ireti_till.services.reports import WHATS, check_request, export

SALE_RECORDS = "sale-records"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ireti-till export",
                                     description="Export the trading day's records.")
    add_data_dir(parser)
    parser.add_argument("what_word", nargs="?", metavar="WHAT",
                        help=f"one of {', '.join((*WHATS, SALE_RECORDS))} (same as --what)")
    parser.add_argument("--what", help="what to export (default: sales)")
    parser.add_argument("--format", default="csv", help="csv or json")
    parser.add_argument("--fields", help="comma-separated columns (default: all)")
    parser.add_argument("--since", metavar="DATE", help="only records on/after DATE")
    parser.add_argument("--until", metavar="DATE", help="only records before DATE")
    parser.add_argument("--shift", metavar="ID", help="only records of this shift")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE")
    return parser


def _what(args: argparse.Namespace) -> str:
    if args.what and args.what_word and args.what != args.what_word:
        raise InputError(f"Export either {args.what_word} or {args.what[:20]}, not both",
                         code="IT-640")
    return str(args.what or args.what_word or "sales")


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    fields = args.fields.split(",") if args.fields is not None else None
    try:
        what = _what(args)
        if what == SALE_RECORDS:
            check_request("sales", args.format, None)  # the format: IT-641
            if fields is not None or args.until or args.shift:
                raise InputError("sale-records takes only --since, --format and -o",
                                 code="IT-642")
        else:
            check_request(what, args.format, fields)
        since = parse_since(args.since) if args.since else None
        until = parse_since(args.until) if args.until else None
    except TillError as exc:
        return fail(exc)
    except ValueError:
        return fail(InputError("--since/--until take a date like 2026-12-04 or "
                               "2026-12-04T14:30", code="IT-650"))
    try:
        data_dir = open_data_dir(args.data_dir)
        if args.output is not None:
            target_of(args.output)  # refuse a device before the ledger is even opened
        ledger = open_ledger(data_dir)
    except TillError as exc:
        return fail(exc)

    def run(out: TextIO) -> int:
        if what == SALE_RECORDS:
            return export_sales(ledger.read_uow, out, since=since, fmt=args.format)
        return export(ledger.read_uow, out, what, fmt=args.format,  # type: ignore[arg-type]
                      fields=fields, shift_id=args.shift, since=since, until=until)

    try:
        if args.output is None:
            count = run(sys.stdout)
            sys.stdout.flush()
        else:
            count = write_safely(args.output, run)
    except OSError as exc:
        if args.output is None:
            silence_stdout()
        return fail(output_error(exc, str(args.output or "standard output")), 1)
    except TillError as exc:
        return fail(exc)
    finally:
        ledger.close()
    print(f"exported {count} {what} records" + (f" to {args.output}" if args.output else ""),
          file=sys.stderr)
    return 0
