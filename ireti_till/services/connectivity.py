"""Is card tender possible right now? Stripe reachable and this till's reader online.

The worker calls ``check()`` every few seconds (one ``GET`` of the reader answers both
questions). Going *offline* needs two failed checks in a row, so one lost packet does not
grey out the card button; coming back needs one good check. Cash never depends on this.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ireti_till.domain.payment_errors import (
    RateLimited,
    ReaderOffline,
    StripeAuthenticationError,
    StripePaymentError,
    StripeUnreachable,
)
from ireti_till.services.payment_context import PaymentContext

NO_READER = "No card reader is chosen for this till. A supervisor can pick one in Reader settings."


@dataclass(frozen=True, slots=True)
class Connectivity:
    stripe_online: bool
    reader_online: bool
    checked_at: datetime
    reason: str | None = None  # why card tender is off, for the cashier
    code: str | None = None
    reader_id: str | None = None
    reader_label: str = ""

    @property
    def card_enabled(self) -> bool:
        return self.stripe_online and self.reader_online


class ConnectivityMonitor:
    def __init__(self, ctx: PaymentContext, reader_id: Callable[[], str | None],
                 failures_to_offline: int = 2) -> None:
        self.ctx = ctx
        self.reader_id = reader_id
        self.failures_to_offline = failures_to_offline
        self._fails = 0
        self._lock = threading.Lock()
        self.state = Connectivity(False, False, ctx.clock.now(), "Checking Stripe…", None)

    def check(self) -> tuple[Connectivity, bool]:
        """Probe once; returns (state, came_back_online)."""
        now = self.ctx.clock.now()
        reader = self.reader_id()
        try:
            if reader:
                info = self.ctx.gateway.retrieve_reader(reader)
                online = info.status == "online"
                new = Connectivity(True, online, now,
                                   None if online else ReaderOffline.default_message,
                                   None if online else ReaderOffline.code, reader, info.label)
            else:
                self.ctx.gateway.list_locations(limit=1)
                new = Connectivity(True, False, now, NO_READER, "IT-365")
        except RateLimited:
            return self.state, False  # says nothing about reachability
        except StripeAuthenticationError as err:
            new = Connectivity(False, False, now, err.message, err.code, reader)
        except StripePaymentError as err:
            with self._lock:
                self._fails += 1
                if self._fails < self.failures_to_offline and self.state.stripe_online:
                    return self.state, False
            new = Connectivity(False, False, now, StripeUnreachable.default_message
                               if err.http_status is None else err.message, err.code, reader)
        with self._lock:
            if new.stripe_online:
                self._fails = 0
            came_back = new.card_enabled and not self.state.card_enabled
            dropped = self.state.card_enabled and not new.card_enabled
            self.state = new
        if dropped:
            self.ctx.metric("reader_disconnect", 1)
        return new, came_back
