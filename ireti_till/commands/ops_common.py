"""Shared bits of the operations commands (backup, restore, doctor, support-bundle)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.logging_setup import configure_logging
from ireti_till.adapters.paths import resolve_data_dir
from ireti_till.domain.errors import TillError


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", help="the till's data directory")


def open_data_dir(value: str | None, *, quiet_logs: bool = True) -> Path:
    """Resolve the data directory and log to its ``logs/`` folder (stderr if that fails)."""
    data_dir = resolve_data_dir(value)
    configure_logging(data_dir / "logs", console_level="ERROR" if quiet_logs else "WARNING")
    return data_dir


def ledger_path(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME


def fail(error: TillError | str, status: int = 2) -> int:
    print(f"ireti-till: {error}", file=sys.stderr)
    logging.getLogger("ireti_till.commands").error("%s", error)
    return status
