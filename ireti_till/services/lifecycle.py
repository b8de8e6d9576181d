"""``Lifecycle``: the steps a composed program runs once its first screen is shown, and at
shutdown. A phase adds its background work with one typed call (``on_start(step)`` /
``on_close(step)``); a start step may add more start steps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("ireti_till.app")


@dataclass
class Lifecycle:
    """Steps to run once the sale screen is shown, and at shutdown (newest first)."""

    starters: list[Callable[[], None]] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    closed: bool = False

    def on_start(self, step: Callable[[], None]) -> None:
        self.starters.append(step)

    def on_close(self, step: Callable[[], None]) -> None:
        self.closers.append(step)

    def start(self) -> None:
        """Run the start steps in order, including those a step adds, until closed."""
        while self.starters and not self.closed:
            self.starters.pop(0)()

    def close(self) -> None:
        """Run the close steps newest first; one that fails is logged, the rest still run."""
        self.closed = True
        for step in reversed(self.closers):
            try:
                step()
            except Exception:
                log.exception("shutdown step failed")
