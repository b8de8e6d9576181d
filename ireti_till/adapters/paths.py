"""Where the till keeps its data: ``--data-dir``, else ``IRETI_DATA_DIR``, else platformdirs.

The data directory holds ``ledger.sqlite3``, ``config.toml``, ``backups/`` and ``logs/``.
It is created on first use and checked for writing by creating (and removing) a probe
file: a read-only or unusable directory raises ``LedgerError`` IT-202 with the path and
what to do, before anything else is opened.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

from ireti_till.adapters.custody import disk_full_error, is_disk_full, secure_dir
from ireti_till.domain.errors import LedgerError

ENV_VAR: Final = "IRETI_DATA_DIR"
APP_NAME: Final = "ireti-till"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def _unwritable(path: Path, why: str) -> LedgerError:
    return LedgerError(
        f"The till cannot write to its data directory {path} ({why}). Nothing was changed. "
        f"Give this user write access to it, or start the till with --data-dir (or "
        f"{ENV_VAR}) pointing to a writable folder.",
        code="IT-202",
    )


def ensure_writable(path: Path) -> Path:
    """Create ``path`` if needed (mode 0700) and prove it is writable; returns it resolved."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _unwritable(path, exc.strerror or type(exc).__name__) from exc
    if not path.is_dir():
        raise _unwritable(path, "it is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=path)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(path, "opening the data directory") from exc
        raise _unwritable(path, exc.strerror or type(exc).__name__) from exc
    # A folder created here is 0700 (mkdir's mode); an existing one the user chose (even
    # /tmp or a home folder) is never chmodded: doctor warns about loose modes (IT-226).
    return path.resolve()


def resolve_data_dir(cli_value: str | None) -> Path:
    """The data directory to use (created and checked): CLI, then environment, then default."""
    if cli_value is not None and not cli_value.strip():
        raise LedgerError(
            "--data-dir was given an empty path. Name the folder (--data-dir DIR), or leave "
            "the option out to use the default folder.", code="IT-225")
    chosen = cli_value or os.environ.get(ENV_VAR) or None
    path = Path(chosen).expanduser() if chosen else default_data_dir()
    return ensure_writable(path)


def log_dir(data_dir: Path) -> Path:
    """``<data_dir>/logs`` (created)."""
    path = data_dir / "logs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    secure_dir(path)
    return path


def backups_dir(data_dir: Path) -> Path:
    """``<data_dir>/backups`` (not created here)."""
    return data_dir / "backups"


def os_user() -> str:
    """The OS user's name (shown as the cashier when a till runs without staff sign-in:
    benchmarks, screen tests), or "cashier"."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cashier"
