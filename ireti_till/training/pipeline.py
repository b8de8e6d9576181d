"""One request through the emulator, in Stripe's order: authenticate, rate-limit, check
the idempotency key, meet any injected fault, route, execute atomically, store the
response under the key. Knows nothing of sockets (``server.py`` does)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ireti_till.training import events, payment_intents, refunds, simulate, terminal
from ireti_till.training.faults import FaultInjector
from ireti_till.training.idempotency import IdempotencyStore, fingerprint
from ireti_till.training.ratelimit import RateLimiter, rate_limited_error
from ireti_till.training.store import API_VERSION, RequestContext, State
from ireti_till.training.wire import ApiError, decode_form, dumps

log = logging.getLogger(__name__)
Handler = Callable[..., dict[str, Any]]
_LIVE = ("sk_live_", "rk_live_")
_TEST = ("sk_test_", "rk_test_")
HOLD_TIMEOUT_S = 30.0


@dataclass
class Incoming:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names


@dataclass
class Outgoing:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: ``reply``; ``reset`` (drop the connection before answering); ``lost`` (executed and
    #: stored, then the connection is dropped instead of answering).
    disposition: str = "reply"


def _compile(routes: list[tuple[str, str, Handler]]) -> list[tuple[str, re.Pattern[str],
                                                                     Handler]]:
    table = []
    for method, template, handler in routes:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        table.append((method, re.compile(f"^{pattern}$"), handler))
    return table


ROUTES = _compile(payment_intents.ROUTES + refunds.ROUTES + terminal.ROUTES + events.ROUTES
                  + simulate.ROUTES)


class Pipeline:
    def __init__(self, state: State, faults: FaultInjector, limiter: RateLimiter,
                 idempotency: IdempotencyStore, api_keys: tuple[str, ...] = ()) -> None:
        self.state = state
        self.faults = faults
        self.limiter = limiter
        self.idempotency = idempotency
        self.api_keys = api_keys  # empty: any test key is accepted

    def _request_id(self) -> str:
        with self.state.lock:
            return self.state.new_id("req_", 14)

    def _auth(self, headers: dict[str, str]) -> str:
        value = headers.get("authorization", "")
        key = value[7:].strip() if value.lower().startswith("bearer ") else ""
        if not key:
            raise ApiError(401, "You did not provide an API key. You need to provide your API "
                           "key in the Authorization header, using Bearer auth.", saved=False)
        if key.startswith(_LIVE):
            raise ApiError(401, "This is the Ireti Till Stripe emulator: it refuses live "
                           "keys. Use a test key (sk_test_...).", saved=False)
        test_key = key.startswith(_TEST) and len(key) > len("sk_test_")
        if not test_key or (self.api_keys and key not in self.api_keys):
            raise ApiError(401, f"Invalid API Key provided: {key[:8]}****", saved=False)
        return key

    def handle(self, req: Incoming) -> Outgoing:
        request_id = self._request_id()
        headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
        key = req.headers.get("idempotency-key") if req.method == "POST" else None
        if key:
            headers["Idempotency-Key"] = key
        faults = self.faults.on_request(req.path)
        if faults.latency_s > 0:
            time.sleep(faults.latency_s)
        scope = ""
        try:
            scope = self._auth(req.headers)
            if faults.before == "rate_limit":
                raise rate_limited_error()
            self.limiter.check()
            if key:
                stored = self.idempotency.begin(scope, key,
                                                fingerprint(req.method, req.path, req.body))
                if stored is not None:
                    replay = dict(stored.headers) | {"Idempotent-Replayed": "true",
                                                     "Request-Id": request_id}
                    return Outgoing(stored.status, stored.body, replay)
        except ApiError as err:
            return Outgoing(err.status, dumps(err.body()), headers | err.headers)
        if faults.before == "connection_reset":
            if key:
                self.idempotency.abandon(scope, key)
            return Outgoing(0, b"", headers, "reset")
        if faults.hold is not None:
            faults.hold.entered.set()
            faults.hold.gate.wait(HOLD_TIMEOUT_S)
        ctx = RequestContext(request_id, key)
        status, body, save = self._execute(req, ctx, faults.before, faults.should_retry)
        if status == 500 and faults.should_retry != "absent":
            headers["Stripe-Should-Retry"] = faults.should_retry
        if key:
            if save:
                self.idempotency.finish(scope, key, status, headers, body)
            else:
                self.idempotency.abandon(scope, key)
        return Outgoing(status, body, headers, "lost" if faults.after else "reply")

    def _execute(self, req: Incoming, ctx: RequestContext, before: str | None,
                 should_retry: str) -> tuple[int, bytes, bool]:
        try:
            if before == "http_500":
                # Stripe-Should-Retry: true means nothing was done or stored, so a retry
                # with the same key can succeed; otherwise the 500 is the stored result.
                raise ApiError(500, "An unknown error occurred (injected by the emulator).",
                               type_="api_error", saved=should_retry != "true")
            handler, path_args = self._route(req)
            data = decode_form(req.query if req.method in ("GET", "DELETE") else req.body)
            with self.state.lock:
                self.state.tick()
                body = handler(self.state, ctx, data, **path_args)
            return 200, dumps(body), True
        except ApiError as err:
            return err.status, dumps(err.body()), err.saved
        except Exception:  # an emulator bug: answer like Stripe would, store nothing
            log.exception("emulator handler failed for %s %s", req.method, req.path)
            bug = ApiError(500, "An unknown error occurred in the emulator.", type_="api_error")
            return 500, dumps(bug.body()), False

    def _route(self, req: Incoming) -> tuple[Handler, dict[str, str]]:
        for method, pattern, handler in ROUTES:
            match = pattern.match(req.path)
            if match and method == req.method:
                return handler, match.groupdict()
        raise ApiError(404, f"Unrecognized request URL ({req.method}: {req.path}). This "
                       "emulator serves the Stripe endpoints Ireti Till uses.", saved=False)
