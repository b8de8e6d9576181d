"""Shared bits of the operations commands (backup, restore, doctor, support-bundle)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.adapters.logging_setup import SHOWN, configure_logging
from ireti_till.adapters.paths import resolve_data_dir
from ireti_till.domain.errors import OperationsError, TillError


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
    """Print the error once (stderr) and log it to the file only (not to the console again)."""
    with contextlib.suppress(OSError):  # stderr itself is gone: the log file still has it
        print(f"ireti-till: {error}", file=sys.stderr)
    if logging.getLogger().handlers:  # else Python's last-resort handler would print it again
        logging.getLogger("ireti_till.commands").error("%s", error, extra={SHOWN: True})
    return status


def silence_stdout() -> None:
    """After stdout failed (full disk, closed pipe): point it at /dev/null so the
    interpreter's final flush does not print a second, raw error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def writer_lock(data_dir: Path, doing: str) -> Iterator[InstanceLock]:
    """Hold the instance lock while a command changes the ledger; IT-227 when the till or
    another command holds it (nothing is waited for, nothing is changed)."""
    lock = InstanceLock(data_dir)
    if not lock.acquire():
        pid = lock.owner_pid()
        who = f" (process {pid})" if pid else ""
        raise OperationsError(
            f"The till or another Ireti Till command{who} is using {data_dir} right now, so "
            f"{doing} was not started and nothing was changed. Let it finish (or close the "
            "till), then run this again.", code="IT-227")
    try:
        yield lock
    finally:
        lock.release()


def emit(text: str) -> bool:
    """Print ``text`` to stdout; False (after saying so once, IT-547) when stdout is full or
    closed, so the command can exit non-zero instead of dying with a raw error."""
    try:
        print(text)
        sys.stdout.flush()
    except OSError as exc:
        silence_stdout()
        fail(OperationsError(f"The output could not be written ({exc.strerror or exc}); "
                             "free space where it goes or redirect it, then run the command "
                             "again.", code="IT-547"))
        return False
    return True


def unexpected(exc: BaseException, doing: str, where: Path | None = None) -> TillError:
    """A low-level failure (I/O, SQLite) as an error a person can act on: disk full is
    IT-223 (never "damaged"); anything else IT-500 with its type, details in the log."""
    from ireti_till.adapters.custody import disk_full_error, is_disk_full

    logging.getLogger("ireti_till.commands").error("%s failed", doing, exc_info=exc,
                                                   extra={SHOWN: True})
    if is_disk_full(exc):
        return disk_full_error(where or Path.cwd(), doing)
    return OperationsError(f"{doing} failed ({type(exc).__name__}: {str(exc)[:120]}). Nothing "
                           "was changed that is not said above; see the log and run "
                           "`ireti-till doctor`.", code="IT-500")
