"""One till process per data directory: an OS file lock on ``<data_dir>/ireti-till.lock``.

The running till holds the lock for its whole life (``app.py`` takes it before opening the
ledger); ``restore`` takes it too, so a till cannot start half-way through a restore and a
restore refuses while the till runs. The lock is the kernel's (``flock`` on POSIX,
``msvcrt.locking`` on Windows), so it is released when the process dies, even by SIGKILL or
a power cut: a stale lock file never blocks anything. The file holds the owner's PID for
people reading it; the PID is never trusted for the decision.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Final, Self

from ireti_till.adapters.custody import disk_full_error, is_disk_full
from ireti_till.domain.errors import LedgerError, OperationsError

log = logging.getLogger(__name__)

LOCK_FILENAME: Final = "ireti-till.lock"


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILENAME
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process (or handle) holds it."""
        if self._handle is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full_error(self.path.parent, "taking the till's lock") from exc
            raise LedgerError(
                f"The till cannot create its lock file {self.path} ({exc.strerror}). Give this "
                "user write access to the data folder.", code="IT-202") from exc
        handle = os.fdopen(fd, "a+", encoding="ascii")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        # The PID is for people reading the file; a full disk must not cost the lock itself.
        try:  # straight to the file (unbuffered): nothing left to fail at close
            os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as exc:
            log.warning("could not write the PID into %s: %s", self.path, exc)
        self._handle = handle
        return True

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            with contextlib.suppress(OSError):
                handle.close()

    def owner_pid(self) -> int | None:
        """The PID written by the holder (informational only)."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> Self:
        if not self.acquire():
            raise TillRunningError(self.path, self.owner_pid())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class TillRunningError(RuntimeError):
    def __init__(self, path: Path, pid: int | None) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(f"another Ireti Till is using this data directory{who}: {path}")
        self.path = path
        self.pid = pid


def is_till_running(data_dir: Path) -> bool:
    """True when some process holds the instance lock of ``data_dir``."""
    probe = InstanceLock(data_dir)
    if not probe.path.exists():
        return False
    if probe.acquire():
        probe.release()
        return False
    return True


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def hold_instance_lock(data_dir: Path) -> InstanceLock:
    """Hold ``<data_dir>/ireti-till.lock`` for the life of the process, or raise IT-504."""
    lock = InstanceLock(data_dir)
    if not lock.acquire():
        pid = lock.owner_pid()
        who = f" (process {pid})" if pid else ""
        raise OperationsError(
            f"Ireti Till is already running on this data folder{who}. Only one till may use "
            "a data folder at a time.", code="IT-504")
    return lock
