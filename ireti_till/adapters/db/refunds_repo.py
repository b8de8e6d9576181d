"""The refund repository (SQLAlchemy Core) and ``uow.refunds`` on every unit of work.

Importing this module registers ``refunds`` with ``register_repository``, so a
``SqlPaymentUnitOfWork`` (sales + payments) also carries ``refunds`` and, with
``staff_repo`` imported, ``audit``: one refund = one ``BEGIN IMMEDIATE`` transaction.
Rows are append-only (triggers); records come back frozen, leg states left ``PENDING``
for the service to fill in from the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID, uuid4

from sqlalchemy import Row, Table, func, insert, select
from sqlalchemy.engine import Connection

import ireti_till.adapters.db.staff_repo  # noqa: F401  (registers uow.audit)
from ireti_till.adapters.db import models_refunds as m
from ireti_till.adapters.db.uow import register_repository
from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import LegAction
from ireti_till.services.refund_ports import RefundLegRecord, RefundLineRecord, RefundRecord

refunds_t: Final = cast(Table, m.Refund.__table__)
legs_t: Final = cast(Table, m.RefundLeg.__table__)
lines_t: Final = cast(Table, m.RefundLine.__table__)


class SqlRefundRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def next_no(self, till_id: str) -> int:
        last = self._c.execute(select(func.max(refunds_t.c.refund_no))
                               .where(refunds_t.c.till_id == till_id)).scalar()
        return int(last or 0) + 1

    def add(self, r: RefundRecord) -> None:
        rid = str(r.refund_id)
        self._c.execute(insert(refunds_t).values(
            id=rid, till_id=r.till_id, refund_no=r.refund_no,
            sale_id=None if r.sale_id is None else str(r.sale_id), currency=r.amount.currency,
            amount_minor=r.amount.minor, reason=r.reason[:200], requester_id=r.requester_id,
            approver_id=r.approver_id,
            override_id=None if r.override_id is None else str(r.override_id),
            receipt=r.receipt, rules="; ".join(r.rules)[:500], created_at=r.created_at))
        self._c.execute(insert(legs_t), [{
            "refund_id": rid, "seq": leg.seq, "leg_id": str(leg.leg_id or uuid4()),
            "payment_ref": leg.payment_ref,
            "action": leg.action.value, "currency": leg.amount.currency,
            "amount_minor": leg.amount.minor, "intent_id": leg.intent_id,
            "card_brand": leg.card_brand, "card_last4": leg.card_last4,
            "op_id": None if leg.op_id is None else str(leg.op_id),
        } for leg in r.legs])
        if r.lines:
            self._c.execute(insert(lines_t), [{
                "refund_id": rid, "line_no": ln.line_no, "quantity": ln.quantity,
                "currency": ln.amount.currency, "amount_minor": ln.amount.minor,
            } for ln in r.lines])

    def get(self, refund_id: UUID) -> RefundRecord | None:
        found = self._load(select(refunds_t).where(refunds_t.c.id == str(refund_id)))
        return found[0] if found else None

    def by_no(self, till_id: str, refund_no: int) -> RefundRecord | None:
        found = self._load(select(refunds_t).where(refunds_t.c.till_id == till_id,
                                                   refunds_t.c.refund_no == refund_no))
        return found[0] if found else None

    def for_sale(self, sale_id: UUID) -> list[RefundRecord]:
        return self._load(select(refunds_t).where(refunds_t.c.sale_id == str(sale_id))
                          .order_by(refunds_t.c.refund_no))

    def override_used(self, override_id: UUID) -> bool:
        return self._c.execute(select(refunds_t.c.id).where(
            refunds_t.c.override_id == str(override_id))).first() is not None

    def total_by(self, requester_id: str, since: datetime) -> int:
        value = self._c.execute(
            select(func.coalesce(func.sum(refunds_t.c.amount_minor), 0))
            .where(refunds_t.c.requester_id == requester_id,
                   refunds_t.c.created_at >= since)).scalar_one()
        return int(value)

    def _load(self, query: Any) -> list[RefundRecord]:
        heads = self._c.execute(query).all()
        if not heads:
            return []
        ids = [h.id for h in heads]
        legs: dict[str, list[Row[Any]]] = {i: [] for i in ids}
        lines: dict[str, list[Row[Any]]] = {i: [] for i in ids}
        for row in self._c.execute(select(legs_t).where(legs_t.c.refund_id.in_(ids))
                                   .order_by(legs_t.c.refund_id, legs_t.c.seq)):
            legs[row.refund_id].append(row)
        for row in self._c.execute(select(lines_t).where(lines_t.c.refund_id.in_(ids))
                                   .order_by(lines_t.c.refund_id, lines_t.c.line_no)):
            lines[row.refund_id].append(row)
        return [_record(h, legs[h.id], lines[h.id]) for h in heads]


def _record(h: Row[Any], legs: list[Row[Any]], lines: list[Row[Any]]) -> RefundRecord:
    return RefundRecord(
        refund_id=UUID(h.id), till_id=h.till_id, refund_no=h.refund_no,
        sale_id=None if h.sale_id is None else UUID(h.sale_id),
        amount=Money(h.amount_minor, h.currency), reason=h.reason,
        requester_id=h.requester_id, approver_id=h.approver_id,
        override_id=None if h.override_id is None else UUID(h.override_id),
        receipt=bool(h.receipt), rules=tuple(p for p in h.rules.split("; ") if p),
        created_at=h.created_at,
        legs=tuple(RefundLegRecord(
            seq=r.seq, payment_ref=r.payment_ref, action=LegAction(r.action),
            amount=Money(r.amount_minor, r.currency), intent_id=r.intent_id,
            card_brand=r.card_brand, card_last4=r.card_last4,
            op_id=None if r.op_id is None else UUID(r.op_id), leg_id=UUID(r.leg_id))
            for r in legs),
        lines=tuple(RefundLineRecord(r.line_no, r.quantity, Money(r.amount_minor, r.currency))
                    for r in lines),
    )


register_repository("refunds", SqlRefundRepository)
