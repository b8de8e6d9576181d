"""The safe output writing every export uses (``ireti-till export``, ``commands.export``).

``--since`` takes a date (``2026-11-01``: from local midnight) or a date and time
(``2026-11-01T14:30``, local unless it carries an offset or ``Z``). Without ``-o`` the
export goes to standard output; with ``-o`` it is written to a temporary file (0600) beside
the file the path names (through symlinks) and renamed onto it, so a half-written export
never looks complete; a path that names a device, folder or pipe is refused (IT-546).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ireti_till.adapters import custody
from ireti_till.domain.errors import OperationsError


def parse_since(text: str) -> datetime:
    """A date or ISO date-time; naive values are local time. Raises ValueError."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.astimezone()  # local time zone of this machine
    return value


def target_of(output: Path) -> Path:
    """The regular file ``-o`` names, through any symlinks; IT-546 for anything else."""
    real = Path(os.path.realpath(output))
    try:
        st = real.stat()
    except FileNotFoundError:
        return real
    if not stat.S_ISREG(st.st_mode):
        raise OperationsError(f"{output} is not a regular file (a device, folder, pipe or "
                              "socket); nothing was written. Give a file name.",
                              code="IT-546")
    return real


def write_safely(output: Path, write: Callable[[TextIO], int]) -> int:
    """Write beside the real target (0600, fsynced), then rename onto it: the user's
    symlink stays a symlink, and a half-written export never looks complete."""
    target = target_of(output)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = write(out)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def output_error(exc: OSError, where: str) -> OperationsError:
    if custody.is_disk_full(exc):
        return OperationsError(f"The disk holding {where} is full: the export was not "
                               "written. The ledger is not damaged; free some space or write "
                               "elsewhere (-o FILE), then export again.", code="IT-502")
    return OperationsError(f"The export could not be written to {where} "
                           f"({exc.strerror or type(exc).__name__}).", code="IT-547")
