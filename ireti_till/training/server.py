"""The emulator's HTTP server and its in-process handle.

``Emulator.start(EmulatorConfig(...))`` binds 127.0.0.1 on a free port (or the one asked
for), serves in a daemon thread, and returns the running emulator::

    emu = Emulator.start()
    client = stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url})
    ...
    emu.simulate.present(reader_id, "insufficient_funds")
    emu.clock.advance(25 * 3600)
    emu.stop()
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from ireti_till.training import persist
from ireti_till.training.clock import Clock
from ireti_till.training.faults import FaultInjector, FaultPlan
from ireti_till.training.idempotency import IdempotencyStore
from ireti_till.training.pipeline import Incoming, Outgoing, Pipeline
from ireti_till.training.ratelimit import RateLimiter
from ireti_till.training.simulate import ReaderSimulator
from ireti_till.training.store import State
from ireti_till.training.webhooks import WebhookConfig, WebhookSender
from ireti_till.training.wire import ApiError, parse_qs_pairs

log = logging.getLogger(__name__)
DEFAULT_API_KEY = "sk_test_ireti_till_emulator"
Observer = Callable[[Incoming, Outgoing], None]
MAX_BODY = 1 << 20  # Stripe's form bodies are small; a bigger one is refused (413)


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    api_key: str = DEFAULT_API_KEY
    #: Only these keys are accepted (empty: any ``sk_test_``/``rk_test_`` key).
    accepted_keys: tuple[str, ...] = ()
    rate_limit: float | None = 25.0  # requests per second; None or 0: no limit
    seed: int | None = None  # overrides the fault plan's seed
    faults: FaultPlan | None = None
    refund_pending_s: float = 0.0
    #: Keep objects here across restarts (training mode); saved after every POST.
    state_file: Path | None = None
    quiet: bool = True
    #: Deliver every event as a signed webhook (``WebhookConfig(url, secret)``).
    webhooks: WebhookConfig | None = None

    def __post_init__(self) -> None:
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator binds to loopback only")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not 0..65535")
        if self.rate_limit is not None and not self.rate_limit >= 0:
            raise ValueError(f"rate limit {self.rate_limit} must be 0 (none) or more")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (a timeout, a reset): nothing to report
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def _make_handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        server_version = "IretiTillStripeEmulator/1"

        def log_message(self, format: str, *args: object) -> None:
            if not emulator.config.quiet:
                super().log_message(format, *args)

        def _refuse(self, status: int, message: str) -> None:
            """Answer a request that cannot be read in Stripe's error shape, then close."""
            body = json.dumps(ApiError(status, message, saved=False).body()).encode()
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> str | None:
            """The form body, or None after refusing it (bad length, too big, not UTF-8)."""
            text = (self.headers.get("Content-Length") or "0").strip()
            if not text.isdigit() or len(text) > 12:
                self._refuse(400, "Invalid Content-Length header.")
                return None
            length = int(text)
            if length > MAX_BODY:
                self._refuse(413, f"Request body too large (limit {MAX_BODY} bytes).")
                return None
            raw = self.rfile.read(length) if length else b""
            if len(raw) != length:
                self._refuse(400, "Request body shorter than its Content-Length.")
                return None
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                self._refuse(400, "Request body is not valid UTF-8.")
                return None

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            raw = self._body()
            if raw is None:
                return
            req = Incoming(self.command, parts.path, parse_qs_pairs(parts.query),
                           parse_qs_pairs(raw),
                           {k.lower(): v for k, v in self.headers.items()})
            out = emulator.pipeline.handle(req)
            if req.method != "GET" and emulator.config.state_file is not None:
                persist.save(emulator.state, emulator.config.state_file,
                             emulator.idempotency)
            for observer in list(emulator.observers):
                try:
                    observer(req, out)
                except Exception:  # an observer must never break the emulator
                    log.exception("emulator observer failed")
            if out.disposition != "reply":
                self._drop()
                return
            self.send_response(out.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out.body)))
            for name, value in out.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(out.body)

        def _drop(self) -> None:
            """Reset the TCP connection (SO_LINGER 0): the client sees no response."""
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))

        do_GET = do_POST = do_DELETE = _serve

    return Handler


class Emulator:
    """A running emulator. Use ``Emulator.start()``; stop with ``stop()`` or ``with``."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        plan = config.faults or FaultPlan()
        self.faults = FaultInjector(plan, seed=config.seed)
        self.state = State(self.clock, seed=plan.seed if config.seed is None else config.seed)
        self.state.refund_pending_s = config.refund_pending_s
        self.state.reader_fault = self.faults.reader_fault
        self.state.reader_delay = self.faults.reader_delay
        self.limiter = RateLimiter(config.rate_limit)
        self.idempotency = IdempotencyStore(self.clock)
        if config.state_file is not None:
            persist.load(self.state, config.state_file, self.idempotency)
        keys = config.accepted_keys
        self.pipeline = Pipeline(self.state, self.faults, self.limiter, self.idempotency, keys)
        self.simulate = ReaderSimulator(self.state)
        self.observers: list[Observer] = []
        self.webhooks = (WebhookSender(config.webhooks, self._delivered) if config.webhooks
                         else None)
        if self.webhooks is not None:
            self.state.event_hooks.append(self.webhooks.enqueue)
        self._server = _Server((config.host, config.port), _make_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="stripe-emulator", daemon=True)

    @classmethod
    def start(cls, config: EmulatorConfig | None = None) -> Emulator:
        emulator = cls(config or EmulatorConfig())
        emulator._thread.start()
        return emulator

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_key(self) -> str:
        return self.config.accepted_keys[0] if self.config.accepted_keys else self.config.api_key

    def set_fault_plan(self, plan: FaultPlan, seed: int | None = None) -> FaultInjector:
        """Swap in a new fault plan (e.g. after setting up readers without faults)."""
        faults = FaultInjector(plan, seed=seed)
        with self.state.lock:
            self.faults = self.pipeline.faults = faults
            self.state.reader_fault = faults.reader_fault
            self.state.reader_delay = faults.reader_delay
        return faults

    def _delivered(self, event_id: str, ok: bool) -> None:
        """Stripe's ``pending_webhooks`` and ``delivery_success`` bookkeeping."""
        with self.state.lock:
            for event in reversed(self.state.events):
                if event["id"] == event_id:
                    event["pending_webhooks"] = 0 if ok else 1
                    event["_delivered"] = ok
                    return

    def set_refund_failure(self, fail: bool) -> None:
        """While set, every new refund goes pending and then fails."""
        with self.state.lock:
            self.state.refund_failure = fail

    def tick(self) -> None:
        """Apply transitions now due on the emulator clock (requests do this too)."""
        with self.state.lock:
            self.state.tick()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self.webhooks is not None:
            self.webhooks.stop()
        if self.config.state_file is not None:
            persist.save(self.state, self.config.state_file, self.idempotency)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
