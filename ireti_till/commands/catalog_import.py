"""``ireti-till catalog import FILE.csv [--skip-invalid] [--dry-run]``

Validates every row first and prints the bad ones with their line numbers; imports
nothing unless all rows pass (or ``--skip-invalid``). Shows a plain-text progress bar on
stderr. Exit status: 0 imported, 1 rows rejected or the file is unusable, 2 the till's
data directory, configuration or ledger cannot be used.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ireti_till.adapters.config_file import load_config
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.commands.ops_common import add_data_dir, fail, open_data_dir, writer_lock
from ireti_till.domain.errors import InputError, TillError
from ireti_till.services.catalog_import import (
    ImportRejected,
    ImportResult,
    ValidationReport,
    describe,
    import_products,
    validate_rows,
)

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger

log = logging.getLogger("ireti_till.commands.catalog_import")


class ProgressBar:
    """``[#########...........]  45%  45,000/100,000`` redrawn in place on a terminal;
    on a pipe or log file, one line per 10 % so the output stays readable."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.tty = stream.isatty()
        self._last = -1
        self._last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        now = time.monotonic()
        if self.tty:
            if percent == self._last or (now - self._last_draw < 0.1 and percent < 100):
                return
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%")
            if percent >= 100:
                self.stream.write("\n")
        elif percent // 10 != self._last // 10 or (percent == 100 and self._last != 100):
            self.stream.write(f"{self.label}: {percent}%\n")
        self._last, self._last_draw = percent, now
        self.stream.flush()


class _AuditedUow:
    """The ledger's unit of work, appending one audit entry just before it commits."""

    def __init__(self, uow: Any, before_commit: Callable[[Any], object]) -> None:
        self._uow, self._before, self._entered = uow, before_commit, uow
        self.committed = False

    def __enter__(self) -> _AuditedUow:
        self._entered = self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._uow.__exit__(*exc)

    @property
    def catalog(self) -> Any:
        return self._entered.catalog

    def commit(self) -> None:
        self._before(self._entered)
        self._entered.commit()
        self.committed = True


def _import_audited(ledger: Ledger, data_dir: Path, training: bool, report: ValidationReport,
                    source: Path, skip_invalid: bool, bar: ProgressBar) -> ImportResult:
    """``import_products`` with a ``catalog_import`` audit entry (actor "system": IT at the
    terminal) in the same transaction, so the catalog never changes without its entry."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.secrets import SecretStore
    from ireti_till.adapters.staff_wiring import build_audit_log

    audit = build_audit_log(ledger.engine, SecretStore(data_dir, training=training),
                            SystemClock())
    entry = {"source": source.name, "rows": report.rows,
             "imported": len(report.products), "skipped": len(report.errors)}
    holder: list[_AuditedUow] = []

    def audited_uow() -> _AuditedUow:
        holder.append(_AuditedUow(ledger.uow_factory(),
                                  lambda uow: audit.append(uow.audit, "catalog_import",
                                                           "system", entry)))
        return holder[-1]

    result = import_products(audited_uow, report,  # type: ignore[arg-type]  # a wrapper
                             skip_invalid=skip_invalid, progress=bar)
    if holder and holder[-1].committed:
        audit.checkpoint()  # the anchor moves to the new entry
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till catalog import",
                                     description="Import products from a CSV file.")
    add_data_dir(parser)
    parser.add_argument("file", type=Path, help="CSV: sku,gtin,name,price,tax_code,active")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="import the valid rows and report the others")
    parser.add_argument("--dry-run", action="store_true", help="only validate; write nothing")
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
        config = load_config(data_dir)
    except TillError as exc:
        return fail(exc)
    codes = {r.code for r in config.store.tax_rates}
    bar = ProgressBar(sys.stderr, "importing")
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as stream:
            report = validate_rows(stream, currency=config.store.currency, tax_codes=codes,
                                   progress=bar)
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}", 1)
    except InputError as exc:
        return fail(exc, 1)
    for line in describe(report.errors):
        print(f"  {args.file.name} {line}", file=sys.stderr)
    if args.dry_run:
        print(f"{report.rows} rows checked: {len(report.products)} valid, "
              f"{len(report.errors)} invalid; nothing written (--dry-run)")
        return 0 if report.ok else 1
    try:
        with writer_lock(data_dir, "the catalog import"):  # no restore or till mid-import
            ledger = open_ledger(data_dir)
            try:
                result = _import_audited(ledger, data_dir, config.training, report,
                                         args.file, args.skip_invalid, bar)
            finally:
                ledger.close()
    except ImportRejected as exc:
        return fail(exc, 1)
    except TillError as exc:
        return fail(exc, 1 if isinstance(exc, InputError) else 2)
    log.info("imported %d products from %s (%d skipped)", result.imported, args.file,
             result.skipped)
    skipped = f", {result.skipped} invalid rows skipped" if result.skipped else ""
    print(f"imported {result.imported} products from {args.file.name}{skipped}")
    return 0
