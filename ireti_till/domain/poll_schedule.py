"""How often a till looks at its reader while the customer has the card (issue 15). Pure.

Twenty tills share one Stripe account's request budget (25/s in test mode, 100/s live), and
each look costs two requests (the reader, then the PaymentIntent). So:

* without the back office's stream: the first look comes soon (``first_s``), then the wait
  grows by ``growth`` up to ``max_s`` while the reader is still waiting for the card;
* after a rate-limit answer (429) the wait is at least ``rate_limited_s``, doubling with each
  429 in a row up to ``rate_limited_max_s``;
* every wait is spread by ``jitter`` (a fraction either way) so tills do not poll in step;
* with the stream connected the till waits for the reader's result notice, up to
  ``stream_wait_s``, and looks once when it arrives (a safety look after the wait too).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollSchedule:
    first_s: float = 0.5
    growth: float = 1.5
    max_s: float = 2.0
    jitter: float = 0.2
    rate_limited_s: float = 1.0
    rate_limited_max_s: float = 8.0
    stream_wait_s: float = 5.0

    def __post_init__(self) -> None:
        if not (0 < self.first_s <= self.max_s and self.growth >= 1 and 0 <= self.jitter < 1
                and 0 < self.rate_limited_s <= self.rate_limited_max_s
                and self.stream_wait_s > 0):
            raise ValueError(f"inconsistent poll schedule {self}")

    def delay(self, looks: int, *, rate_limited: int = 0, streaming: bool = False,
              rand: float = 0.5) -> float:
        """Seconds to wait before look number ``looks + 1``.

        ``looks``: looks already made while the reader waits; ``rate_limited``: 429 answers in
        a row; ``streaming``: the stream is connected (wait for its notice); ``rand``: a
        uniform value in [0, 1) from the caller's random source (0.5: no jitter)."""
        if streaming and not rate_limited:
            return self.stream_wait_s
        base = min(self.max_s, self.first_s * self.growth ** max(0, looks))
        if rate_limited:
            base = max(base, min(self.rate_limited_max_s,
                                 self.rate_limited_s * 2 ** (rate_limited - 1)))
        return base * (1 - self.jitter + 2 * self.jitter * min(max(rand, 0.0), 1.0))

    def looks_within(self, seconds: float) -> int:
        """Looks (without jitter or 429s) made while a customer takes ``seconds`` to pay:
        the polling cost of a sale is about 2 requests per look."""
        looks, waited = 0, 0.0
        while True:
            waited += self.delay(looks)
            looks += 1
            if waited >= seconds:
                return looks


TODAY = PollSchedule(first_s=0.5, growth=1.0, max_s=0.5, jitter=0.0)  # every 0.5 s
