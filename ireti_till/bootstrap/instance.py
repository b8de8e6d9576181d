"""One till per data directory: taken right after the data directory is known (cheap)."""

from __future__ import annotations

from pathlib import Path

from ireti_till.adapters.instance_lock import InstanceLock
from ireti_till.domain.errors import OperationsError


def take_instance_lock(data_dir: Path) -> InstanceLock:
    """Hold ``<data_dir>/ireti-till.lock`` for the life of the process, or raise IT-504."""
    lock = InstanceLock(data_dir)
    if not lock.acquire():
        pid = lock.owner_pid()
        who = f" (process {pid})" if pid else ""
        raise OperationsError(
            f"Ireti Till is already running on this data folder{who}. Only one till may use "
            "a data folder at a time.", code="IT-504")
    return lock
