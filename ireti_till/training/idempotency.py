"""Stripe's idempotency rules for POST requests.

- The first response for a key is stored and replayed for later requests with that key,
  errors and 500s included, with an ``Idempotent-Replayed: true`` header.
- The same key with other parameters (or another endpoint) is an ``idempotency_error``.
- A request whose key is still being executed gets a 409.
- Requests that fail parameter validation, or are rejected before executing (401, 429,
  409), store nothing, so they can be retried with the same key.
- Keys expire 24 hours (of emulator clock) after first use.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from ireti_till.training.clock import Clock
from ireti_till.training.wire import ApiError

TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float


def fingerprint(method: str, path: str, body_pairs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    for key, value in sorted(body_pairs):
        digest.update(f"{key}={value}\n".encode())
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, clock: Clock, ttl_s: float = TTL_SECONDS) -> None:
        self._clock = clock
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._done: dict[tuple[str, str], StoredResponse] = {}
        self._in_flight: dict[tuple[str, str], str] = {}

    def begin(self, scope: str, key: str, print_: str) -> StoredResponse | None:
        """A stored response to replay, or ``None`` if the caller should execute now."""
        ident = (scope, key)
        with self._lock:
            stored = self._done.get(ident)
            if stored is not None and self._clock.now() - stored.stored_at >= self._ttl:
                del self._done[ident]
                stored = None
            if stored is not None:
                if stored.fingerprint != print_:
                    raise ApiError(
                        400, "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type_="idempotency_error", saved=False)
                return stored
            if ident in self._in_flight:
                raise ApiError(
                    409, "There is currently another in-progress request using this "
                    f"idempotency key ('{key}'). Retry this request later.",
                    code="idempotency_key_in_use", saved=False)
            self._in_flight[ident] = print_
            return None

    def finish(self, scope: str, key: str, status: int, headers: dict[str, str],
               body: bytes) -> None:
        ident = (scope, key)
        with self._lock:
            print_ = self._in_flight.pop(ident)
            self._done[ident] = StoredResponse(print_, status, tuple(headers.items()), body,
                                               self._clock.now())

    def abandon(self, scope: str, key: str) -> None:
        with self._lock:
            self._in_flight.pop((scope, key), None)

    def export(self) -> list[dict[str, object]]:
        """Stored responses as JSON-able records (keys in flight are not kept)."""
        with self._lock:
            return [{"scope": scope, "key": key, "fingerprint": r.fingerprint,
                     "status": r.status, "headers": list(r.headers),
                     "body": r.body.decode(), "stored_at": r.stored_at}
                    for (scope, key), r in self._done.items()]

    def restore(self, records: list[dict[str, Any]]) -> None:
        with self._lock:
            for rec in records:
                headers = tuple((str(k), str(v)) for k, v in rec["headers"])
                self._done[(rec["scope"], rec["key"])] = StoredResponse(
                    rec["fingerprint"], int(rec["status"]), headers, rec["body"].encode(),
                    float(rec["stored_at"]))

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)
