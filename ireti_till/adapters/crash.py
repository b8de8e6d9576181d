"""Named fault points for crash-injection tests: ``crash_point("intent.created")``.

The till calls ``crash_point(name)`` at every payment state boundary (after a commit,
before and after a Stripe call). Normally this does nothing and costs one global read and
a comparison. With ``IRETI_CRASH_AT=<point>[:<hit>]`` in the environment (read once, at
import) the process kills itself with ``SIGKILL`` the ``hit``-th time (default 1) it
reaches ``<point>``: no ``finally``, no ``atexit``, no flush, as a power cut or the task
manager would. The harness in ``tests/faults`` then starts the till core again and runs
recovery. The point names live in ``ireti_till.services.card_points.POINTS``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

_ENV = "IRETI_CRASH_AT"
_target: str | None = None
_hit = 1
_count = 0
_lock = threading.Lock()


def arm(spec: str | None) -> None:
    """Set the crash target from ``<point>[:<hit>]`` (``None`` or "" disarms)."""
    global _target, _hit, _count
    _count = 0
    if not spec:
        _target = None
        return
    point, _, hit = spec.partition(":")
    _target = point.strip() or None
    _hit = int(hit) if hit.strip() else 1
    if _hit < 1:
        raise ValueError(f"{_ENV} hit count must be 1 or more")


def crash_point(name: str) -> None:
    """Die here if this is the armed point and hit; otherwise return at once."""
    if _target is None or name != _target:
        return
    global _count
    with _lock:
        _count += 1
        if _count < _hit:
            return
    sys.stderr.write(f"IRETI crash point {name} (hit {_count})\n")
    sys.stderr.flush()
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # pragma: no cover - Windows


def armed() -> str | None:
    return _target


arm(os.environ.get(_ENV))
