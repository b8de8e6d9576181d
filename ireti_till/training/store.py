"""The emulator's state: every object, the event log, ids and time-based transitions.

One ``State`` per running emulator. Handlers run with ``state.lock`` held, so each API
call is atomic, like a database transaction on Stripe's side. Objects are kept as the
JSON dicts Stripe would return (plus private ``_`` keys that never leave the emulator).
"""

from __future__ import annotations

import copy
import random
import string
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ireti_till.training.clock import Clock
from ireti_till.training.params import Params, created_filter
from ireti_till.training.wire import invalid

API_VERSION = "2023-08-16"
_ALPHABET = string.ascii_letters + string.digits
#: (method, path template with ``{name}`` parts, handler(state, ctx, data, **path)).
Route = tuple[str, str, Callable[..., dict[str, Any]]]


@dataclass(frozen=True)
class RequestContext:
    """What a handler knows about the HTTP request it serves."""

    request_id: str
    idempotency_key: str | None = None


class State:
    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._seq = 0
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, dict[str, Any]] = {}
        self.readers: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        #: Behaviour knobs, set by the emulator from its config and fault plan.
        self.refund_pending_s = 0.0
        self.refund_failure = False
        self.reader_fault: Callable[[str], str | None] = lambda _reader_id: None
        self.reader_delay: Callable[[], float] = lambda: 0.0
        #: Called with a public copy of each new event (webhook delivery queues it).
        self.event_hooks: list[Callable[[dict[str, Any]], None]] = []

    # -- ids and time -------------------------------------------------------------------
    def new_id(self, prefix: str, length: int = 24) -> str:
        return prefix + "".join(self._rng.choice(_ALPHABET) for _ in range(length))

    def resume(self, seq: int) -> None:
        """Continue after ``seq`` objects (a reloaded state): ids must not repeat."""
        self._seq = max(self._seq, seq)
        self._rng.seed(f"{self._seed}:{self._seq}")

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def now(self) -> int:
        return self.clock.timestamp()

    def stamp(self, obj: dict[str, Any], *, created: bool = True) -> dict[str, Any]:
        """Give a new object its creation time and its place in list order.

        ``created=False`` for objects that have no ``created`` field on the wire
        (Terminal locations and readers): the time is kept privately for list order.
        """
        obj["_created"] = obj.get("created", self.now())
        if created:
            obj["created"] = obj["_created"]
        obj["_seq"] = self.next_seq()
        return obj

    def schedule(self, delay_s: float, action: Callable[[], None]) -> None:
        """Run ``action`` (under the lock) once the emulator clock passes now + delay."""
        self._due.append((self.clock.now() + delay_s, self.next_seq(), action))

    def tick(self) -> None:
        """Apply every scheduled transition that is due. Called before each request."""
        if not self._due:
            return
        now = self.clock.now()
        ready = sorted(d for d in self._due if d[0] <= now)
        self._due = [d for d in self._due if d[0] > now]
        for _due, _seq, action in ready:
            action()

    # -- events -------------------------------------------------------------------------
    def emit(self, type_: str, obj: dict[str, Any], ctx: RequestContext | None,
             previous: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"object": public(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = self.stamp({
            "id": self.new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": ctx.request_id if ctx else None,
                "idempotency_key": ctx.idempotency_key if ctx else None,
            },
            "type": type_,
        })
        self.events.append(event)
        for hook in self.event_hooks:
            hook(public(event))


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy without the emulator's private ``_`` keys."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def list_page(items: Iterable[dict[str, Any]], p: Params, url: str,
              render: Callable[[dict[str, Any]], dict[str, Any]] = public) -> dict[str, Any]:
    """A Stripe list: newest first, ``limit`` 1-100, ``starting_after``/``ending_before``."""
    limit = p.int_("limit", minimum=1, maximum=100) or 10
    gt, gte, lt, lte = created_filter(p)
    ordered = sorted(items, key=lambda o: (o["_created"], o["_seq"]), reverse=True)
    ordered = [o for o in ordered
               if (gt is None or o["_created"] > gt) and (gte is None or o["_created"] >= gte)
               and (lt is None or o["_created"] < lt)
               and (lte is None or o["_created"] <= lte)]
    after, before = p.str_("starting_after"), p.str_("ending_before")
    ids = [o["id"] for o in ordered]
    if after is not None:
        if after not in ids:
            raise invalid(f"No such object: '{after}'", param="starting_after")
        page = ordered[ids.index(after) + 1:]
        chosen, has_more = page[:limit], len(page) > limit
    elif before is not None:
        if before not in ids:
            raise invalid(f"No such object: '{before}'", param="ending_before")
        page = ordered[:ids.index(before)]
        chosen, has_more = page[-limit:], len(page) > limit
    else:
        chosen, has_more = ordered[:limit], len(ordered) > limit
    return {"object": "list", "data": [render(o) for o in chosen], "has_more": has_more,
            "url": url}
