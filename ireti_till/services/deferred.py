"""``Deferred[T]``: a value one start-up phase produces and a later one (or a person) uses.

The composition root (``ireti_till.composition``) opens the ledger, the staff services and
card payments after the first screen is up. Whatever the screen holds from the start but
can only have later is a ``Deferred``: the phase that makes it calls ``resolve(value)``
(or ``fail(error)``), users call ``get()``, which waits for it once (at most
``wait_seconds``, then IT-206) and raises the phase's error if it failed. ``then(step)``
runs ``step(value)`` as soon as the value exists (on the resolving thread). No
``__getattr__`` forwarding: a caller states that it waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from ireti_till.domain.errors import LedgerError

T = TypeVar("T")

#: how long ``get()`` waits before giving up with IT-206 (start-up takes about 1 s)
WAIT_SECONDS = 30.0


class Deferred(Generic[T]):
    def __init__(self, name: str, *, on_wait: Callable[[], None] | None = None,
                 wait_seconds: float = WAIT_SECONDS) -> None:
        """``on_wait`` runs before the first ``get()`` that has to wait (e.g. start the
        phase that makes the value now, if nothing has started it yet)."""
        self.name = name
        self._on_wait = on_wait
        self._wait = wait_seconds
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._then: list[Callable[[T], None]] = []

    @classmethod
    def of(cls, name: str, value: T) -> Deferred[T]:
        """An already resolved value (a start that opened everything up front)."""
        done: Deferred[T] = cls(name)
        done.resolve(value)
        return done

    def resolve(self, value: T) -> None:
        with self._lock:
            if self._ready.is_set():
                raise RuntimeError(f"{self.name} resolved twice")
            self._value = value
            self._ready.set()
            steps, self._then = self._then, []
        for step in steps:
            step(value)

    def fail(self, error: BaseException) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            self._error = error
            self._ready.set()
            self._then.clear()

    @property
    def done(self) -> bool:
        """True once resolved or failed (``get()`` no longer waits)."""
        return self._ready.is_set()

    def peek(self) -> T | None:
        """The value if it is there now, else None (never waits, never raises)."""
        return self._value if self._ready.is_set() else None

    def then(self, step: Callable[[T], None]) -> None:
        """Run ``step(value)`` once resolved: now, if it already is (never after a failure)."""
        with self._lock:
            if not self._ready.is_set():
                self._then.append(step)
                return
        if self._value is not None:
            step(self._value)

    def build_once(self, build: Callable[[], T]) -> T:
        """The value, built by ``build()`` now (once, under a lock) unless a phase has
        already resolved it; a failed build is kept and raised to every later user."""
        with self._build_lock:
            if not self._ready.is_set():
                try:
                    self.resolve(build())
                except Exception as exc:  # noqa: BLE001 - every later use raises it
                    self.fail(exc)
        return self.get()

    def get(self) -> T:
        if not self._ready.is_set() and self._on_wait is not None:
            self._on_wait()
        if not self._ready.wait(self._wait):
            raise LedgerError("The till is still opening its database. Try again in a "
                              "moment.", code="IT-206")
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value
