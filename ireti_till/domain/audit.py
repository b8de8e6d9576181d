"""The tamper-evident audit chain (pure): canonical bytes, links and streaming verification.

Each entry is stored with a *link*::

    link(n) = HMAC-SHA256(key, link(n-1) || canonical(entry n))      link(0) = 32 zero bytes

``canonical`` is the entry's sequence number, UTC time text, kind, actor and details JSON
(sorted keys, no spaces, UTF-8), joined by the unit separator 0x1F, which none of the fields
can contain (kinds and actors are checked; JSON escapes control characters). Because every
link covers the one before it and the sequence number, editing a field, deleting or
inserting an entry, or swapping two entries breaks the link of that entry (and so the first
broken link names where it happened). Removing entries from the *end* leaves a shorter
chain that is still consistent; ``verify`` detects that only against an anchor (the last
``(seq, link)`` kept outside the database, see ``services/audit.py``).

The key lives in the keyring; without it nobody can write a link that verifies.

Details must be plain JSON (str, int, bool, None, lists, objects) and may never carry card
data, PINs or secrets: ``validate_details`` refuses sensitive key names (``pin``,
``password``, ``secret``, ``token``, ``key``...), values that look like Stripe keys or
``name=value`` secrets, and PAN-shaped digit runs (13-19 digits). Pass ids and amounts,
not free text; a product barcode goes under a key ``gtin`` (or ``*_gtin``) and must be a
valid GTIN. UUIDs are allowed anywhere.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ireti_till.domain.errors import InputError
from ireti_till.domain.gtin import is_valid_gtin
from ireti_till.domain.redaction import contains_secret, is_sensitive_key

GENESIS: Final = bytes(32)
SEPARATOR: Final = b"\x1f"
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
_KIND_RE: Final = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")
_ACTOR_RE: Final = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
_UUID_RE: Final = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_MAX_DETAILS: Final = 8_000


class AuditDetailsRejected(InputError):
    code = "IT-460"


def time_text(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time_text(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def _is_gtin_field(key: str, value: Any) -> bool:
    """A barcode under a key named ``gtin`` (or ``*_gtin``) that is a valid GTIN.

    GTIN-13s are PAN-shaped digit runs; naming the field and passing the GS1 check is what
    lets a product barcode through while a card number typed anywhere else is refused."""
    return (key == "gtin" or key.endswith("_gtin")) and isinstance(value, str) \
        and is_valid_gtin(value)


def _check_value(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if 13 <= len(str(abs(value))) <= 19:
            raise AuditDetailsRejected(f"{path} looks like a card number", code="IT-461")
        return
    if isinstance(value, str):
        if not _UUID_RE.match(value) and contains_secret(value):
            raise AuditDetailsRejected(
                f"{path} looks like card data, a PIN or a secret", code="IT-461"
            )
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise AuditDetailsRejected(f"{path}: keys must be text", code="IT-460")
            if is_sensitive_key(k):
                raise AuditDetailsRejected(
                    f"{path}.{k}: PINs, passwords, keys and secrets never go in the audit log",
                    code="IT-461",
                )
            if _is_gtin_field(k, v):
                continue
            _check_value(v, f"{path}.{k}")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_value(v, f"{path}[{i}]")
        return
    raise AuditDetailsRejected(
        f"{path}: {type(value).__name__} is not allowed (use text or whole numbers)",
        code="IT-460",
    )


def details_json(details: Mapping[str, Any]) -> str:
    """Validate ``details`` and return its canonical JSON text."""
    if not isinstance(details, Mapping):
        raise AuditDetailsRejected("details must be a mapping", code="IT-460")
    _check_value(details, "details")
    text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > _MAX_DETAILS:
        raise AuditDetailsRejected("details are too long", code="IT-460")
    return text


def check_kind_actor(kind: str, actor: str) -> None:
    if not _KIND_RE.match(kind):
        raise AuditDetailsRejected(f"{kind[:40]!r} is not an audit kind", code="IT-460")
    if not _ACTOR_RE.match(actor):
        raise AuditDetailsRejected("the actor must be a user id or 'system'", code="IT-460")


@dataclass(frozen=True, slots=True)
class ChainRow:
    """An entry exactly as stored: the bytes the link covers, and the link (hex)."""

    seq: int
    at: str
    kind: str
    actor: str
    details: str
    link: str

    def canonical(self) -> bytes:
        return f"{self.seq}\x1f{self.at}\x1f{self.kind}\x1f{self.actor}\x1f{self.details}".encode()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An entry as people read it (the audit viewer, exports)."""

    seq: int
    at: datetime
    kind: str
    actor: str
    details: Mapping[str, Any]


def to_entry(row: ChainRow) -> AuditEntry:
    return AuditEntry(row.seq, parse_time_text(row.at), row.kind, row.actor,
                      json.loads(row.details))


def next_link(key: bytes, prev: bytes, canonical: bytes) -> bytes:
    return hmac.digest(key, prev + canonical, "sha256")


def seal(key: bytes, prev_link: str | None, seq: int, at: datetime, kind: str, actor: str,
         details: Mapping[str, Any]) -> ChainRow:
    """Build the next row (validated) whose link follows ``prev_link`` (hex, None at start)."""
    check_kind_actor(kind, actor)
    unsealed = ChainRow(seq, time_text(at), kind, actor, details_json(details), "")
    prev = GENESIS if prev_link is None else bytes.fromhex(prev_link)
    link = next_link(key, prev, unsealed.canonical()).hex()
    return ChainRow(seq, unsealed.at, kind, actor, unsealed.details, link)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.checked} audit entries, chain intact"
        return f"BROKEN at entry {self.broken_seq}: {self.reason} ({self.checked} checked)"


def verify_chain(
    key: bytes, rows: Iterable[ChainRow], anchor: tuple[int, str] | None = None
) -> VerifyResult:
    """Walk ``rows`` (in ``seq`` order, streamed) and report the first broken link."""
    prev = GENESIS
    expected = 1
    checked = 0
    anchor_seen = anchor is None
    digest = hmac.digest
    same = hmac.compare_digest
    for row in rows:
        if row.seq != expected:
            reason = (f"entry {expected} is missing" if row.seq > expected
                      else "entries are out of order or duplicated")
            return VerifyResult(False, checked, expected, reason)
        canonical = (f"{expected}\x1f{row.at}\x1f{row.kind}\x1f{row.actor}\x1f"
                     f"{row.details}").encode()
        link = digest(key, prev + canonical, "sha256")
        if not same(link.hex(), row.link):
            return VerifyResult(False, checked, row.seq, "the entry or the one before it was "
                                "changed, or it was written without the audit key")
        if anchor is not None and row.seq == anchor[0]:
            if not hmac.compare_digest(row.link, anchor[1]):
                return VerifyResult(False, checked, row.seq, "does not match the saved head")
            anchor_seen = True
        prev = link
        expected += 1
        checked += 1
    if not anchor_seen and anchor is not None:
        return VerifyResult(False, checked, expected,
                            f"entries {expected}..{anchor[0]} were removed from the end")
    return VerifyResult(True, checked)
