"""Cross-till refunds: find a sale of the store, reserve its lines before refunding.

A reservation is taken under an advisory lock per sale inside one transaction, so two tills
asking at once are serialised: the second sees the first's reservation and is refused if the
line would be refunded beyond what was sold. ``refund_ref`` (the refunding till's own refund
id) makes a retried reservation idempotent.

What is taken of a sale is its live (reserved or confirmed) reservations plus every refund in
the feed that has no live reservation: a refund that reached the feed counts even if its
reservation was released (by the till, or by an admin with ``release_stuck``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, insert, select, text, update
from sqlalchemy.engine import Connection

from ireti_till.domain.errors import BackofficeError
from ireti_till.server.schema import (
    audit,
    feed_items,
    refund_leg_reservations,
    refund_reservations,
    tills,
)

LIVE = ("reserved", "confirmed")


def _sale_row(conn: Connection, store_id: str, sale_id: str | None, till: str | None,
              receipt_no: str | None) -> Any:
    q = select(feed_items.c.till_id, feed_items.c.payload).join(
        tills, tills.c.id == feed_items.c.till_id).where(
        tills.c.store_id == store_id, feed_items.c.kind == "sale", feed_items.c.status == "ok")
    if (sale_id and len(sale_id) > 36) or (till and len(till) > 16) or (
            receipt_no and len(receipt_no) > 9):
        raise BackofficeError("The sale id, till or receipt number is too long.", code="IT-704")
    if sale_id:
        q = q.where(feed_items.c.item_key == f"sale:{sale_id}")
    elif till and receipt_no and receipt_no.isdigit():
        q = q.where(feed_items.c.till_id == till,
                    feed_items.c.payload["receipt_no"].astext == str(int(receipt_no)))
    else:
        raise BackofficeError("Give a sale id, or a till and a receipt number.", code="IT-704")
    row = conn.execute(q).first()
    if row is None:
        raise BackofficeError("No sale with that receipt in this store has reached the back "
                              "office. Check the receipt, or refund it on the till that sold "
                              "it.", code="IT-710")
    return row


def _items(conn: Connection, kind: str, field: str, value: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(feed_items.c.payload).where(
        feed_items.c.kind == kind, feed_items.c.status == "ok",
        feed_items.c.payload[field].astext == value)).scalars().all()
    return [dict(r) for r in rows]


def _taken(conn: Connection, sale_id: str) -> dict[int, int]:
    """Quantity per line already reserved, or refunded on a till without a reservation."""
    taken: dict[int, int] = {}
    refs = set(conn.execute(select(refund_reservations.c.refund_ref).where(
        refund_reservations.c.sale_id == sale_id,
        refund_reservations.c.state.in_(LIVE))).scalars())
    for line_no, qty in conn.execute(select(
            refund_reservations.c.line_no, func.sum(refund_reservations.c.quantity)).where(
            refund_reservations.c.sale_id == sale_id, refund_reservations.c.state.in_(LIVE))
            .group_by(refund_reservations.c.line_no)):
        taken[int(line_no)] = int(qty)
    for refund in _items(conn, "refund", "sale_id", sale_id):
        if refund["id"] in refs:
            continue
        for line in _items(conn, "refund_line", "refund_id", refund["id"]):
            taken[int(line["line_no"])] = taken.get(int(line["line_no"]), 0) + int(
                line["quantity"])
    return taken


def _legs_taken(conn: Connection, sale_id: str, tenders: list[dict[str, Any]]) -> dict[int, int]:
    """Amount per tender already reserved, or refunded to it on a till without a reservation
    (card legs name the tender's payment reference)."""
    taken: dict[int, int] = {}
    refs = set(conn.execute(select(refund_leg_reservations.c.refund_ref).where(
        refund_leg_reservations.c.sale_id == sale_id,
        refund_leg_reservations.c.state.in_(LIVE))).scalars())
    for seq, amount in conn.execute(select(
            refund_leg_reservations.c.tender_seq,
            func.sum(refund_leg_reservations.c.amount_minor)).where(
            refund_leg_reservations.c.sale_id == sale_id,
            refund_leg_reservations.c.state.in_(LIVE)).group_by(
            refund_leg_reservations.c.tender_seq)):
        taken[int(seq)] = int(amount)
    by_ref = {str(t["reference"]): int(t["seq"]) for t in tenders if t.get("reference")}
    for refund in _items(conn, "refund", "sale_id", sale_id):
        if refund["id"] in refs:
            continue
        for leg in _items(conn, "refund_leg", "refund_id", refund["id"]):
            seq = by_ref.get(str(leg.get("payment_ref")))
            if seq is not None:
                taken[seq] = taken.get(seq, 0) + int(leg["amount_minor"])
    return taken


def find_sale(engine: Engine, store_id: str, sale_id: str | None, till: str | None,
              receipt_no: str | None) -> dict[str, Any]:
    with engine.connect() as conn:
        till_id, sale = _sale_row(conn, store_id, sale_id, till, receipt_no)
        lines = sorted(_items(conn, "sale_line", "sale_id", sale["id"]),
                       key=lambda r: int(r["line_no"]))
        tenders = sorted(_items(conn, "sale_tender", "sale_id", sale["id"]),
                         key=lambda r: int(r["seq"]))
        taken = _taken(conn, sale["id"])
        legs = _legs_taken(conn, sale["id"], tenders)
    for line in lines:
        line["refundable"] = 0 if line.get("voided") else max(
            0, int(line["quantity"]) - taken.get(int(line["line_no"]), 0))
    for tender in tenders:
        tender["refundable_minor"] = max(0, int(tender["amount_minor"])
                                         - legs.get(int(tender["seq"]), 0))
    return {"till_id": till_id, "sale": dict(sale), "lines": lines, "tenders": tenders}


def reserve(engine: Engine, store_id: str, till_id: str, body: Any) -> dict[str, Any]:
    if not (isinstance(body, dict) and isinstance(body.get("refund_ref"), str)
            and isinstance(body.get("sale_id"), str) and isinstance(body.get("lines"), list)
            and len(body["lines"]) <= 500 and len(body["refund_ref"]) <= 64):
        raise BackofficeError("A reservation needs refund_ref, sale_id and lines.",
                              code="IT-704")
    wanted: dict[int, int] = {}
    for line in body["lines"]:
        n, q = (line.get("line_no"), line.get("quantity")) if isinstance(line, dict) else (0, 0)
        if not (isinstance(n, int) and isinstance(q, int) and n > 0 and q > 0):
            raise BackofficeError("Each line needs a line_no and a positive quantity.",
                                  code="IT-704")
        wanted[n] = wanted.get(n, 0) + q
    legs: dict[int, int] = {}
    raw_legs = body.get("legs") or []
    if not isinstance(raw_legs, list) or len(raw_legs) > 20:
        raise BackofficeError("legs must be a list of tender_seq and amount_minor.",
                              code="IT-704")
    for leg in raw_legs:
        n, a = (leg.get("tender_seq"), leg.get("amount_minor")) if isinstance(leg, dict) \
            else (0, 0)
        if not (isinstance(n, int) and isinstance(a, int) and n > 0 and a > 0):
            raise BackofficeError("Each leg needs a tender_seq and a positive amount_minor.",
                                  code="IT-704")
        legs[n] = legs.get(n, 0) + a
    if not wanted and not legs:  # a refund by amount reserves its payments' money only
        raise BackofficeError("A reservation needs lines or payment amounts.", code="IT-704")
    ref, sale_id = body["refund_ref"], body["sale_id"]
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": sale_id})
        _sale_row(conn, store_id, sale_id, None, None)
        mine = dict(conn.execute(select(refund_reservations.c.line_no,
                                        refund_reservations.c.quantity).where(
            refund_reservations.c.refund_ref == ref)).all())
        mine_legs = dict(conn.execute(select(refund_leg_reservations.c.tender_seq,
                                             refund_leg_reservations.c.amount_minor).where(
            refund_leg_reservations.c.refund_ref == ref)).all())
        if mine or mine_legs:
            if mine != wanted or mine_legs != legs:
                raise BackofficeError("This refund was already reserved with other lines.",
                                      code="IT-711")
            return {"refund_ref": ref, "reserved": wanted, "legs": legs, "replayed": True}
        sold = {int(r["line_no"]): (0 if r.get("voided") else int(r["quantity"]))
                for r in _items(conn, "sale_line", "sale_id", sale_id)}
        taken = _taken(conn, sale_id)
        for n, q in wanted.items():
            if taken.get(n, 0) + q > sold.get(n, 0):
                raise BackofficeError(
                    f"Line {n} of this sale is already refunded or reserved by another till "
                    f"({taken.get(n, 0)} of {sold.get(n, 0)}). Nothing was reserved.",
                    code="IT-711")
        tenders = {int(t["seq"]): t for t in _items(conn, "sale_tender", "sale_id", sale_id)}
        taken_legs = _legs_taken(conn, sale_id, list(tenders.values()))
        for n, a in legs.items():
            paid = int(tenders[n]["amount_minor"]) if n in tenders else 0
            if taken_legs.get(n, 0) + a > paid:
                raise BackofficeError(
                    f"Payment {n} of this sale has only {paid - taken_legs.get(n, 0)} (minor "
                    "units) left to refund: another till reserved or refunded the rest. "
                    "Nothing was reserved.", code="IT-711")
        if legs:
            conn.execute(insert(refund_leg_reservations), [
                {"store_id": store_id, "sale_id": sale_id, "tender_seq": n, "amount_minor": a,
                 "refund_ref": ref, "till_id": till_id, "state": "reserved"}
                for n, a in legs.items()])
        if wanted:
            conn.execute(insert(refund_reservations), [
                {"store_id": store_id, "sale_id": sale_id, "line_no": n, "quantity": q,
                 "refund_ref": ref, "till_id": till_id, "state": "reserved"}
                for n, q in wanted.items()])
    return {"refund_ref": ref, "reserved": wanted, "legs": legs, "replayed": False}


def settle(engine: Engine, store_id: str, till_id: str, body: Any) -> dict[str, Any]:
    outcome = body.get("outcome") if isinstance(body, dict) else None
    ref = body.get("refund_ref") if isinstance(body, dict) else None
    if outcome not in ("confirmed", "released") or not isinstance(ref, str):
        raise BackofficeError("settle needs refund_ref and outcome confirmed|released.",
                              code="IT-704")
    with engine.begin() as conn:
        changed = _settle_rows(conn, ref, outcome, till_id=till_id, store_id=store_id)
    return {"refund_ref": ref, "outcome": outcome, "changed": changed}


def _settle_rows(conn: Connection, ref: str, outcome: str, **scope: str) -> int:
    """Move the units and the money reserved under ``ref`` (and ``scope``: till, store)
    from reserved to ``outcome``; the number of rows moved."""
    changed = 0
    for table in (refund_reservations, refund_leg_reservations):
        where = [table.c.refund_ref == ref, table.c.state == "reserved",
                 *(table.c[name] == value for name, value in scope.items())]
        changed += conn.execute(update(table).where(and_(*where)).values(
            state=outcome)).rowcount or 0
    return changed


def release_stuck(engine: Engine, ref: str, actor: str) -> dict[str, Any]:
    """An admin settles a reservation its till will never settle (a till lost with its disk):
    confirmed if the refund reached the feed, else released. Audited; IT-704 when ``ref``
    has nothing reserved."""
    with engine.begin() as conn:
        rows = conn.execute(select(refund_reservations).where(
            refund_reservations.c.refund_ref == ref,
            refund_reservations.c.state == "reserved")).mappings().all()
        held = rows or conn.execute(select(refund_leg_reservations).where(
            refund_leg_reservations.c.refund_ref == ref,
            refund_leg_reservations.c.state == "reserved")).mappings().all()
        if not held:
            raise BackofficeError(f"No reservation {ref!r} is waiting (settled already, or "
                                  "never made).", code="IT-704")
        till_id, sale_id = held[0]["till_id"], held[0]["sale_id"]
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": sale_id})
        refunded = bool(_items(conn, "refund", "id", ref))
        outcome = "confirmed" if refunded else "released"
        if not _settle_rows(conn, ref, outcome):  # its till settled it while we looked
            raise BackofficeError(f"Reservation {ref!r} was settled by its till just now.",
                                  code="IT-704")
        conn.execute(insert(audit).values(actor=actor, action="refund.reservation_settled",
                                          details={"refund_ref": ref, "outcome": outcome,
                                                   "till_id": till_id, "sale_id": sale_id}))
    return {"refund_ref": ref, "outcome": outcome, "till_id": till_id, "sale_id": sale_id,
            "lines": {int(r["line_no"]): int(r["quantity"]) for r in rows}}
