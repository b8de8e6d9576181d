"""The emulator's clock: wall time plus an offset that tests and trainers can move.

Everything time-based in the emulator (``created`` timestamps, idempotency-key expiry,
pending refunds, a slow reader) reads this clock, so a test can jump 24 hours ahead
without waiting. Timestamps on the wire are whole Unix seconds, as Stripe's are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """A thread-safe, controllable clock. ``now()`` is Unix time in float seconds."""

    def __init__(self, start: float | None = None, *, source: Callable[[], float] = time.time):
        self._source = source
        self._lock = threading.Lock()
        self._frozen_at: float | None = None
        self._offset = 0.0 if start is None else start - source()

    def now(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._source() + self._offset

    def timestamp(self) -> int:
        """Whole seconds, as used in ``created`` fields."""
        return int(self.now())

    def advance(self, seconds: float) -> float:
        """Move the clock forward (never back) and return the new time."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
                return self._frozen_at
            self._offset += seconds
            return self._source() + self._offset

    def freeze(self) -> None:
        """Stop the clock at its current reading; ``advance`` still moves it."""
        now = self.now()
        with self._lock:
            self._frozen_at = now

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None
