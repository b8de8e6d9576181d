"""A sliding one-second window, as Stripe limits requests per second (test mode: 25/s).

Real (monotonic) time, not the emulator clock: the limit is about how fast a client
talks, which moving the business clock does not change.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ireti_till.training.wire import ApiError

RATE_LIMIT_MESSAGE = (
    "Request rate limit exceeded. Learn more about rate limits here "
    "https://stripe.com/docs/rate-limits."
)


def rate_limited_error() -> ApiError:
    return ApiError(429, RATE_LIMIT_MESSAGE, code="rate_limit", saved=False)


class RateLimiter:
    def __init__(self, per_second: float | None, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen: deque[float] = deque()

    def check(self) -> None:
        """Count one request; raise a 429 ``ApiError`` if the window is full."""
        if not self.per_second:
            return
        now = self._monotonic()
        with self._lock:
            while self._seen and now - self._seen[0] >= 1.0:
                self._seen.popleft()
            if len(self._seen) >= self.per_second:
                raise rate_limited_error()
            self._seen.append(now)
