"""Payment records in the ledger: sales being tendered, card attempts, outbox, events seen.

Everything runs on the caller's connection inside its ``BEGIN IMMEDIATE`` transaction
(``SqlPaymentUnitOfWork``), so a business change and its outbox row commit together.
Rows become frozen domain values here; no ORM object leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.engine import Connection

from ireti_till.adapters.db import models_payments as m
from ireti_till.adapters.db.sale_codec import sale_from_json, sale_to_json
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation, OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptMoved, AttemptState, check_change
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.payment_store_port import CashPart, TenderSale, TenderSaleState

sales_t: Final = cast(Table, m.TenderSale.__table__)
cash_t: Final = cast(Table, m.TenderCash.__table__)
attempts_t: Final = cast(Table, m.CardAttempt.__table__)
outbox_t: Final = cast(Table, m.OutboxRow.__table__)
events_t: Final = cast(Table, m.EventSeen.__table__)
settings_t: Final = cast(Table, m.PaymentSetting.__table__)


def _attempt(r: Row[Any]) -> Attempt:
    return Attempt(
        attempt_id=UUID(r.attempt_id), sale_id=UUID(r.sale_id), till_id=r.till_id,
        amount=Money(r.amount_minor, r.currency), state=AttemptState(r.state),
        created_at=r.created_at, updated_at=r.updated_at, intent_id=r.intent_id,
        reader_id=r.reader_id, reader_try=r.reader_try, card_brand=r.card_brand,
        card_last4=r.card_last4, decline_code=r.decline_code, reason=r.reason,
        capture_before=r.capture_before,
    )


def _attempt_values(a: Attempt) -> dict[str, Any]:
    return {
        "state": a.state.value, "intent_id": a.intent_id, "reader_id": a.reader_id,
        "reader_try": a.reader_try, "card_brand": a.card_brand, "card_last4": a.card_last4,
        "decline_code": a.decline_code, "reason": (a.reason or None) and a.reason[:500],
        "capture_before": a.capture_before, "updated_at": a.updated_at,
    }


def _op(r: Row[Any]) -> Operation:
    amount = None if r.amount_minor is None else Money(r.amount_minor, r.currency)
    params = tuple((str(k), str(v)) for k, v in json.loads(r.params_json))
    return Operation(
        op_id=UUID(r.op_id), kind=OperationKind(r.kind),
        attempt_id=None if r.attempt_id is None else UUID(r.attempt_id),
        sale_id=None if r.sale_id is None else UUID(r.sale_id), intent_id=r.intent_id,
        amount=amount, params=params, key=r.idem_key, key_generation=r.key_generation,
        state=OperationState(r.state), tries=r.tries, next_at=r.next_at,
        created_at=r.created_at, last_error=r.last_error, resolution=r.resolution,
    )


def _op_values(op: Operation) -> dict[str, Any]:
    return {
        "idem_key": op.key, "key_generation": op.key_generation, "state": op.state.value,
        "tries": op.tries, "next_at": op.next_at, "intent_id": op.intent_id,
        "last_error": op.last_error and op.last_error[:500],
        "resolution": op.resolution and op.resolution[:500],
    }


class SqlPaymentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # sales being tendered ---------------------------------------------------------
    def open_sale(self, sale: CompletedSale, now: datetime) -> None:
        self._c.execute(insert(sales_t).values(
            sale_id=str(sale.sale_id), till_id=sale.till_id, currency=sale.currency,
            total_minor=sale.total.minor, state=TenderSaleState.OPEN.value,
            sale_json=sale_to_json(sale), created_at=now, updated_at=now,
        ))

    def _cash(self, sale_id: str, currency: str) -> tuple[CashPart, ...]:
        rows = self._c.execute(
            select(cash_t).where(cash_t.c.sale_id == sale_id).order_by(cash_t.c.seq)
        ).all()
        return tuple(CashPart(r.seq, Money(r.amount_minor, currency),
                              Money(r.tendered_minor, currency), Money(r.change_minor, currency),
                              r.created_at) for r in rows)

    def _sale(self, r: Row[Any]) -> TenderSale:
        return TenderSale(sale=sale_from_json(r.sale_json), state=TenderSaleState(r.state),
                          cash=self._cash(r.sale_id, r.currency), created_at=r.created_at,
                          receipt_no=r.receipt_no, reason=r.reason)

    def get_sale(self, sale_id: UUID) -> TenderSale | None:
        r = self._c.execute(select(sales_t).where(sales_t.c.sale_id == str(sale_id))).first()
        return None if r is None else self._sale(r)

    def sales_in(self, state: TenderSaleState) -> list[TenderSale]:
        rows = self._c.execute(select(sales_t).where(sales_t.c.state == state.value)
                               .order_by(sales_t.c.created_at)).all()
        return [self._sale(r) for r in rows]

    def set_sale_state(self, sale_id: UUID, state: TenderSaleState, now: datetime, *,
                       receipt_no: int | None = None, reason: str | None = None) -> None:
        self._c.execute(update(sales_t).where(sales_t.c.sale_id == str(sale_id)).values(
            state=state.value, updated_at=now, receipt_no=receipt_no,
            reason=reason and reason[:200]))

    def add_cash(self, sale_id: UUID, amount: Money, tendered: Money, change: Money,
                 now: datetime) -> CashPart:
        seq = int(self._c.execute(select(func.coalesce(func.max(cash_t.c.seq), 0))
                                  .where(cash_t.c.sale_id == str(sale_id))).scalar_one()) + 1
        self._c.execute(insert(cash_t).values(
            sale_id=str(sale_id), seq=seq, amount_minor=amount.minor,
            tendered_minor=tendered.minor, change_minor=change.minor, created_at=now))
        return CashPart(seq, amount, tendered, change, now)

    # attempts ---------------------------------------------------------------------
    def add_attempt(self, attempt: Attempt, create_key: str, params_json: str) -> None:
        self._c.execute(insert(attempts_t).values(
            attempt_id=str(attempt.attempt_id), sale_id=str(attempt.sale_id),
            till_id=attempt.till_id, amount_minor=attempt.amount.minor,
            currency=attempt.amount.currency, create_key=create_key, params_json=params_json,
            created_at=attempt.created_at, **_attempt_values(attempt)))

    def get_attempt(self, attempt_id: UUID) -> Attempt | None:
        r = self._c.execute(
            select(attempts_t).where(attempts_t.c.attempt_id == str(attempt_id))).first()
        return None if r is None else _attempt(r)

    def transition(self, attempt_id: UUID, expected: AttemptState, target: AttemptState, *,
                   now: datetime, expected_try: int | None = None, **changes: Any) -> Attempt:
        """Move the attempt ``expected`` -> ``target`` (writing ``changes``) in one
        ``UPDATE ... WHERE attempt_id = :id AND state = :expected``; the row as it now is.

        The move is checked against the domain state machine first (``IllegalTransition``);
        if the row was not in ``expected`` nothing is written and ``AttemptMoved`` carries
        the attempt as it is, so a late writer can never undo someone else's move.
        ``expected_try`` also pins the reader try (on_reader -> on_reader is a move, so a
        conclusion about try n must not land on try n+1)."""
        check_change(expected, target, set(changes))
        values: dict[str, Any] = {"state": target.value, "updated_at": now, **changes}
        if values.get("reason"):
            values["reason"] = str(values["reason"])[:500]
        cond = [attempts_t.c.attempt_id == str(attempt_id), attempts_t.c.state == expected.value]
        if expected_try is not None:
            cond.append(attempts_t.c.reader_try == expected_try)
        row = self._c.execute(update(attempts_t).where(*cond).values(**values)
                              .returning(*attempts_t.c)).first()
        if row is None:
            raise AttemptMoved(attempt_id, expected, target, self.get_attempt(attempt_id))
        return _attempt(row)

    def attempts_for_sale(self, sale_id: UUID) -> list[Attempt]:
        rows = self._c.execute(select(attempts_t).where(attempts_t.c.sale_id == str(sale_id))
                               .order_by(attempts_t.c.created_at)).all()
        return [_attempt(r) for r in rows]

    def attempts_in(self, states: Iterable[AttemptState]) -> list[Attempt]:
        values = [s.value for s in states]
        rows = self._c.execute(select(attempts_t).where(attempts_t.c.state.in_(values))
                               .order_by(attempts_t.c.created_at)).all()
        return [_attempt(r) for r in rows]

    # outbox -----------------------------------------------------------------------
    def enqueue(self, op: Operation) -> None:
        self._c.execute(insert(outbox_t).values(
            op_id=str(op.op_id), kind=op.kind.value,
            attempt_id=None if op.attempt_id is None else str(op.attempt_id),
            sale_id=None if op.sale_id is None else str(op.sale_id),
            amount_minor=None if op.amount is None else op.amount.minor,
            currency=None if op.amount is None else op.amount.currency,
            params_json=json.dumps([list(p) for p in op.params]),
            created_at=op.created_at, updated_at=op.created_at, **_op_values(op)))

    def save_operation(self, op: Operation, expected: Operation | None = None) -> bool:
        """Write ``op``; with ``expected`` only if the row still has its state, tries and
        key generation (a compare-and-set for writes made after a network call). False if
        nothing was written because the row had moved on (a supervisor resolved it...)."""
        cond = [outbox_t.c.op_id == str(op.op_id)]
        if expected is not None:
            cond += [outbox_t.c.state == expected.state.value,
                     outbox_t.c.tries == expected.tries,
                     outbox_t.c.key_generation == expected.key_generation]
        done = self._c.execute(update(outbox_t).where(*cond).values(**_op_values(op)))
        return bool(done.rowcount)

    def get_operation(self, op_id: UUID) -> Operation | None:
        r = self._c.execute(select(outbox_t).where(outbox_t.c.op_id == str(op_id))).first()
        return None if r is None else _op(r)

    def due_operations(self, now: datetime, limit: int) -> list[Operation]:
        rows = self._c.execute(
            select(outbox_t)
            .where(outbox_t.c.state.in_(("pending", "reconcile")), outbox_t.c.next_at <= now)
            .order_by(outbox_t.c.next_at, outbox_t.c.created_at).limit(limit)).all()
        return [_op(r) for r in rows]

    def open_operations(self) -> list[Operation]:
        rows = self._c.execute(
            select(outbox_t).where(outbox_t.c.state.in_(("pending", "reconcile", "failed")))
            .order_by(outbox_t.c.created_at)).all()
        return [_op(r) for r in rows]

    def operations_for_attempt(self, attempt_id: UUID) -> list[Operation]:
        rows = self._c.execute(select(outbox_t)
                               .where(outbox_t.c.attempt_id == str(attempt_id))
                               .order_by(outbox_t.c.created_at)).all()
        return [_op(r) for r in rows]

    # events -----------------------------------------------------------------------
    def mark_event_seen(self, event_id: str, type_: str, created: int, now: datetime) -> bool:
        exists = self._c.execute(
            select(events_t.c.event_id).where(events_t.c.event_id == event_id)).first()
        if exists is not None:
            return False
        self._c.execute(insert(events_t).values(event_id=event_id, type=type_, created=created,
                                                seen_at=now))
        return True

    def last_event_created(self) -> int | None:
        value = self._c.execute(select(func.max(events_t.c.created))).scalar()
        return None if value is None else int(value)

    # settings ---------------------------------------------------------------------
    def get_setting(self, name: str) -> str | None:
        value = self._c.execute(
            select(settings_t.c.value).where(settings_t.c.name == name)).scalar()
        return None if value is None else str(value)

    def set_setting(self, name: str, value: str) -> None:
        done = self._c.execute(update(settings_t).where(settings_t.c.name == name)
                               .values(value=value)).rowcount
        if not done:
            self._c.execute(insert(settings_t).values(name=name, value=value))
