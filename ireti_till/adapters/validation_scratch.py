"""The throwaway folders ``ireti-till validate`` works in, and the sweep of dead runs' ones.

A run makes ``ireti-validate-*`` in the temporary directory and writes a marker file into it
first (``MARKER``: the owning process id, that process's start time as the system sees it,
and the wall-clock start). A run that ends normally removes its folder; one killed outright
(SIGKILL, power cut) cannot, so the next ``validate`` and ``doctor`` sweep: a folder is
removed only when it carries a readable marker **and** its owner is gone (no such process,
or the process id now belongs to a process started at another time). A folder without a
marker, with a marker that cannot be read, whose owner lives, or that is not a plain folder
named ``ireti-validate-*`` directly in the temporary directory is never touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

PREFIX: Final = "ireti-validate-"
MARKER: Final = ".ireti-validate-owner.json"


def _proc_start(pid: int) -> str | None:
    """The process's start time as the kernel counts it (Linux ``/proc``), else None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()  # the name may hold spaces and ')'
    return fields[19] if len(fields) > 19 else None  # field 22: starttime (clock ticks)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
            return int(code.value) == 259  # STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def owner_alive(pid: int, proc_start: str | None) -> bool:
    """Is the process that wrote a marker still running (and not a new one with its id)?"""
    if not _pid_alive(pid):
        return False
    if proc_start is None:
        return True
    now = _proc_start(pid)
    return now is None or now == proc_start


@dataclass(frozen=True, slots=True)
class Owner:
    pid: int
    proc_start: str | None
    started: str


def read_marker(folder: Path) -> Owner | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        pid = data["pid"]
        if not isinstance(pid, int) or isinstance(pid, bool):
            return None
        start = data.get("proc_start")
        return Owner(pid, str(start) if start is not None else None, str(data.get("started")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _base(base: Path | None) -> Path:
    return Path(base) if base is not None else Path(tempfile.gettempdir())


@contextlib.contextmanager
def scratch_dir(base: Path | None = None) -> Iterator[Path]:
    """A fresh marked folder for this run, removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=_base(base)))
    try:
        pid = os.getpid()
        (folder / MARKER).write_text(json.dumps({
            "pid": pid, "proc_start": _proc_start(pid),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}), encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Sweep:
    removed: tuple[Path, ...] = ()
    left: tuple[Path, ...] = ()  # stale, but could not be removed

    @property
    def found(self) -> int:
        return len(self.removed) + len(self.left)


def stale_folders(base: Path | None = None) -> list[Path]:
    """Marked scratch folders whose owner is gone (nothing is removed)."""
    out: list[Path] = []
    root = _base(base)
    try:
        candidates = sorted(root.glob(f"{PREFIX}*"))
    except OSError:
        return out
    for folder in candidates:
        if folder.is_symlink() or not folder.is_dir():
            continue
        owner = read_marker(folder)
        if owner is None or owner.pid == os.getpid():
            continue
        if not owner_alive(owner.pid, owner.proc_start):
            out.append(folder)
    return out


def sweep(base: Path | None = None, *, remove: bool = True) -> Sweep:
    """Remove (or with ``remove=False`` only list) the stale scratch folders."""
    stale = stale_folders(base)
    if not remove:
        return Sweep((), tuple(stale))
    removed: list[Path] = []
    left: list[Path] = []
    for folder in stale:
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("stale validation folder %s not removed: %s", folder, exc)
            left.append(folder)
        else:
            log.info("stale validation folder %s removed (its run was killed)", folder)
            removed.append(folder)
    return Sweep(tuple(removed), tuple(left))
