"""The till's feed to the back office: pure values and rules shared by till and server.

Invariants (kept by the till's sync client and checked again by the server):

1. A feed item is identified twice: by ``(till, seq)`` (the wire order, dense from 1) and by
   ``(till, key)`` (what it is: ``sale:<uuid>``, ``audit:<seq>`` ...). Neither is ever
   overwritten: a known ``seq`` or ``key`` arriving with another payload is *flagged*.
2. ``seq`` numbers are assigned by the till just before sending, above the highest number the
   server has ever seen from it (the server's *high-water*), so a till restored from an old
   backup never re-uses one.
3. The payload hash is over canonical JSON (sorted keys, no spaces, UTF-8), so the same record
   sent twice hashes the same on both sides.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ireti_till.domain.errors import BackofficeError

MAX_BATCH = 500
MAX_BODY_BYTES = 2_000_000
MAX_PAYLOAD_BYTES = 64_000
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
KEY_MAX = 200
TILL_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
STORE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class FeedItem:
    seq: int
    kind: str
    key: str
    at: str
    payload: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "key": self.key, "at": self.at,
                "payload": wire_payload(self.payload)}

    def wire_size(self) -> int:
        return len(canonical_json(self.to_wire()).encode("utf-8"))


def wire_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as sent: one over the per-item cap is replaced by a marker with its hash
    and size (deterministic, so a resend matches); the full record stays in the ledger."""
    text = canonical_json(payload)
    size = len(text.encode("utf-8"))
    if size <= MAX_PAYLOAD_BYTES:
        return payload
    return {"oversize": True, "bytes": size, "sha256": payload_hash(payload)}


def fit_batch(items: list[FeedItem], max_bytes: int = MAX_BODY_BYTES // 2) -> list[FeedItem]:
    """The longest prefix of ``items`` whose wire form stays under ``max_bytes`` (at least
    one item: a single item is always under the body cap)."""
    total, out = 0, list[FeedItem]()
    for it in items:
        total += it.wire_size() + 1
        if out and total > max_bytes:
            break
        out.append(it)
    return out


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What the server answered to one batch."""

    acked_through: int  # every seq <= this is committed on the server
    high_water: int
    duplicates: int = 0
    flagged: int = 0
    renumber: bool = False  # the server refused a seq: assign new numbers above high_water


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """'back office: n waiting, oldest age' for the status bar and the queue panel."""

    enrolled: bool
    waiting: int
    oldest_age_s: float | None
    last_ok_at: str | None
    last_error: str | None

    def text(self) -> str:
        if not self.enrolled:
            return "back office: not enrolled"
        if self.waiting == 0:
            return "back office: up to date"
        age = self.oldest_age_s or 0.0
        return f"back office: {self.waiting} waiting, oldest {format_age(age)}"


def format_age(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def _bad(message: str) -> BackofficeError:
    return BackofficeError(message, code="IT-704")


def parse_batch(body: Any) -> list[FeedItem]:
    """Validate a batch body from the wire; raise IT-704 naming the first problem."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise _bad("The batch must be a JSON object with a list 'items'.")
    items = body["items"]
    if not 1 <= len(items) <= MAX_BATCH:
        raise _bad(f"A batch holds 1 to {MAX_BATCH} items, not {len(items)}.")
    out: list[FeedItem] = []
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise _bad(f"Item {i} is not an object.")
        seq, kind, key, at, payload = (raw.get(k) for k in ("seq", "kind", "key", "at",
                                                                "payload"))
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise _bad(f"Item {i}: seq must be a positive integer.")
        if not isinstance(kind, str) or not KIND_RE.match(kind):
            raise _bad(f"Item {i}: kind must be lower-case letters, digits or _.")
        if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX:
            raise _bad(f"Item {i}: key must be text of 1 to {KEY_MAX} characters.")
        if not isinstance(at, str) or len(at) > 40:
            raise _bad(f"Item {i}: at must be a timestamp text.")
        if not isinstance(payload, dict) or len(canonical_json(payload)) > MAX_PAYLOAD_BYTES:
            raise _bad(f"Item {i}: payload must be an object under {MAX_PAYLOAD_BYTES} bytes.")
        if out and seq != out[-1].seq + 1:
            raise _bad(f"Item {i}: seqs in a batch must be consecutive.")
        out.append(FeedItem(seq, kind, key, at, payload))
    return out


def check_till_id(value: str) -> str:
    if not TILL_RE.match(value):
        raise _bad("A till id is 1 to 16 letters, digits, - or _ (e.g. T02).")
    return value


def check_store_id(value: str) -> str:
    if not STORE_RE.match(value):
        raise _bad("A store id is 1 to 32 letters, digits, - or _ (e.g. S1).")
    return value
