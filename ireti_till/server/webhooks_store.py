"""Storing and routing verified Stripe events (PostgreSQL), once per event id.

``store_event`` inserts the event and routes it to a till in one transaction: a replayed id
finds the row already there and changes nothing (processed once). Routing: a reader's event
goes to the till that registered the reader; a PaymentIntent's to ``metadata.till_id``; a
refund's to its ``metadata.till_id``, else the till that reserved it (``refund_id``), else
the till of its PaymentIntent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ireti_till.domain.errors import BackofficeError
from ireti_till.server.schema import refund_reservations, stripe_events, till_readers, tills

HANDLED = ("terminal.reader.action_succeeded", "terminal.reader.action_failed",
           "charge.refunded", "refund.created", "refund.updated", "refund.failed")


def handled(type_: str) -> bool:
    return type_ in HANDLED or type_.startswith("payment_intent.")


@dataclass(frozen=True)
class Stored:
    seq: int
    replay: bool
    till_id: str | None
    status: str


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _obj(event: dict[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(event.get("data")).get("object"))


def keys_of(event: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(reader id, PaymentIntent id, till id named in metadata) of an event."""
    obj, type_ = _obj(event), str(event.get("type", ""))
    meta = as_dict(obj.get("metadata"))
    if type_.startswith("terminal.reader."):
        ppi = as_dict(as_dict(obj.get("action")).get("process_payment_intent"))
        pi = _str(ppi.get("payment_intent"))
        return _str(obj.get("id")), pi, None
    if type_.startswith("payment_intent."):
        return None, _str(obj.get("id")), _str(meta.get("till_id"))
    return None, _str(obj.get("payment_intent")), _str(meta.get("till_id"))


def _route(conn: Connection, event: dict[str, Any], reader: str | None, pi: str | None,
           named: str | None) -> str | None:
    if named and conn.execute(select(tills.c.id).where(tills.c.id == named)).first():
        return named
    if reader:
        row = conn.execute(select(till_readers.c.till_id)
                           .where(till_readers.c.reader_id == reader)).first()
        if row is not None:
            return str(row.till_id)
    if str(event.get("type", "")).startswith("refund."):
        meta = _obj(event).get("metadata")
        ref = _str(meta.get("refund_id")) if isinstance(meta, dict) else None
        if ref:
            row = conn.execute(select(refund_reservations.c.till_id)
                               .where(refund_reservations.c.refund_ref == ref)).first()
            if row is not None:
                return str(row.till_id)
    if pi:
        row = conn.execute(select(stripe_events.c.till_id).where(
            stripe_events.c.payment_intent == pi, stripe_events.c.till_id.is_not(None))
            .order_by(stripe_events.c.seq).limit(1)).first()
        if row is not None:
            return str(row.till_id)
    return None


def store_event(engine: Engine, event: dict[str, Any]) -> Stored:
    """Store ``event`` (verified) and route it, or find it already stored (a replay)."""
    type_ = str(event.get("type", ""))
    created = event.get("created")
    with engine.begin() as conn:
        seq = conn.execute(pg_insert(stripe_events).values(
            id=str(event["id"]), type=type_[:100],
            created=created if isinstance(created, int) else 0,
            livemode=bool(event.get("livemode")), status="unrouted", payload=event)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(stripe_events.c.seq)).scalar()
        if seq is None:
            row = conn.execute(select(stripe_events.c.seq, stripe_events.c.till_id,
                                      stripe_events.c.status)
                               .where(stripe_events.c.id == str(event["id"]))).one()
            return Stored(int(row.seq), True, row.till_id, str(row.status))
        till: str | None = None
        status = "ignored"
        reader = pi = None
        if handled(type_):
            reader, pi, named = keys_of(event)
            till = _route(conn, event, reader, pi, named)
            status = "routed" if till else "unrouted"
        conn.execute(update(stripe_events).where(stripe_events.c.seq == seq).values(
            status=status, till_id=till, reader_id=reader, payment_intent=pi,
            processed_at=datetime.now(UTC)))
    return Stored(int(seq), False, till, status)


def register_reader(engine: Engine, till_id: str, store_id: str, reader_id: str) -> None:
    """The till's reader: its events go to this till from now on. A reader can move between
    tills of one store, never to another store's till (IT-765)."""
    with engine.begin() as conn:
        owner = conn.execute(select(tills.c.store_id).select_from(
            till_readers.join(tills, tills.c.id == till_readers.c.till_id))
            .where(till_readers.c.reader_id == reader_id).with_for_update()).first()
        if owner is not None and owner.store_id != store_id:
            raise BackofficeError(
                f"Reader {reader_id} is registered to a till of another store; its events "
                "stay there. Check the reader chosen on this till.", code="IT-765")
        conn.execute(pg_insert(till_readers).values(reader_id=reader_id, till_id=till_id)
                     .on_conflict_do_update(index_elements=["reader_id"],
                                            set_={"till_id": till_id,
                                                  "updated_at": datetime.now(UTC)}))


def events_after(engine: Engine, till_id: str, after: int, limit: int = 100) -> (
        list[tuple[int, dict[str, Any]]]):
    with engine.connect() as conn:
        rows = conn.execute(select(stripe_events.c.seq, stripe_events.c.payload).where(
            stripe_events.c.till_id == till_id, stripe_events.c.seq > after)
            .order_by(stripe_events.c.seq).limit(limit)).all()
    return [(int(r.seq), dict(r.payload)) for r in rows]


def last_seq(engine: Engine, till_id: str) -> int:
    with engine.connect() as conn:
        value = conn.execute(select(stripe_events.c.seq).where(
            stripe_events.c.till_id == till_id).order_by(stripe_events.c.seq.desc())
            .limit(1)).scalar()
    return int(value or 0)
