"""Keep the emulator's objects across restarts of the till (training mode).

Training mode's ledger outlives one run of the till, so the PaymentIntents, refunds,
readers and events it refers to should too. ``save`` writes everything as JSON, atomically
(temporary file, fsync, ``os.replace``); ``load`` reads it back. Work that was waiting on
the clock (a pending refund, a slow reader) is settled on load: a pending refund settles
as it would have, a payment caught mid-processing fails its reader action, so nothing is
left half-done with no way forward. Stored idempotent responses are kept too (a till that
crashed replays its keys after the restart, and must get the same answers); keys that
were in flight are not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ireti_till.training.cards import lookup
from ireti_till.training.idempotency import IdempotencyStore
from ireti_till.training.store import State

_TABLES = ("intents", "charges", "refunds", "locations", "readers")
FORMAT = 1


def save(state: State, path: Path, keys: IdempotencyStore | None = None) -> None:
    """Write the state atomically; serialised by the state lock."""
    with state.lock:
        data: dict[str, Any] = {name: getattr(state, name) for name in _TABLES}
        data.update(format=FORMAT, events=state.events, seq=state._seq,
                    idempotency=keys.export() if keys is not None else [])
        text = json.dumps(data, separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)


def load(state: State, path: Path, keys: IdempotencyStore | None = None) -> bool:
    """Fill ``state`` from ``path``; ``False`` if there is no file yet."""
    if not path.exists():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown emulator state format {data.get('format')!r}")
    with state.lock:
        for name in _TABLES:
            getattr(state, name).update(data[name])
        state.events.extend(data["events"])
        state.resume(int(data["seq"]))
        if keys is not None:
            keys.restore(data.get("idempotency", []))
        _settle_interrupted(state)
    return True


def _settle_interrupted(state: State) -> None:
    for refund in state.refunds.values():
        if refund["status"] == "pending":
            charge = state.charges.get(refund["charge"], {})
            card = lookup(charge.get("_card", ""))
            fails = state.refund_failure or (card is not None and card.refund_fails)
            refund["status"] = "failed" if fails else "succeeded"
            if fails:
                refund["failure_reason"] = "expired_or_canceled_card"
    for reader in state.readers.values():
        action = reader.get("action")
        if action and action["status"] == "in_progress":
            pi_id = (action.get("process_payment_intent") or {}).get("payment_intent")
            pi = state.intents.get(pi_id) if pi_id else None
            if pi is not None and pi["status"] == "processing":
                pi["status"] = "requires_payment_method"
                action.update(status="failed", failure_code="reader_timeout",
                              failure_message="The reader restarted during the payment.")
