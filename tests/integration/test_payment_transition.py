"""``PaymentRepository.transition``: one compare-and-set per state change, on a real ledger.

The row moves only if it is still in the expected state; the move must be one the domain
state machine allows; the attempt comes back as the ledger now holds it; a loser gets
``AttemptMoved`` carrying the winner's attempt and writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
from ireti_till.domain.money import Money
from ireti_till.domain.payment import (
    Attempt,
    AttemptMoved,
    AttemptState,
    IllegalTransition,
    create_key,
)
from ireti_till.services.payment_context import PaymentContext
from tests.faults.support import StepClock, migrated_engine, sale_template

S = AttemptState
Ledger = tuple[Path, SqlPaymentUnitOfWorkFactory, StepClock]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    engine = migrated_engine(tmp_path / "ledger.sqlite3")
    yield tmp_path / "ledger.sqlite3", SqlPaymentUnitOfWorkFactory(engine), StepClock()
    engine.dispose()


def planned(uow: SqlPaymentUnitOfWorkFactory, clock: StepClock) -> Attempt:
    sale = sale_template(1250)
    aid = uuid4()
    a = Attempt(aid, sale.sale_id, "T1", Money(1250, "EUR"), S.PLANNED, clock.now(),
                clock.now())
    with uow() as u:
        u.payments.open_sale(sale, clock.now())
        u.payments.add_attempt(a, create_key(aid), "{}")
        u.commit()
    return a


def stored(uow: SqlPaymentUnitOfWorkFactory, aid: UUID) -> Attempt:
    with uow() as u:
        a = u.payments.get_attempt(aid)
    assert a is not None
    return a


def test_a_move_returns_the_row_as_it_now_is(ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    later = clock.advance(seconds=2)
    with uow() as u:
        moved = u.payments.transition(a.attempt_id, S.PLANNED, S.INTENT_CREATED, now=later,
                                      intent_id="pi_1")
        u.commit()
    assert moved == stored(uow, a.attempt_id)
    assert moved.state is S.INTENT_CREATED and moved.intent_id == "pi_1"
    assert moved.updated_at == later and moved.created_at == a.created_at


def test_the_loser_of_a_race_writes_nothing_and_sees_the_winner(ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    with uow() as u:
        u.payments.transition(a.attempt_id, S.PLANNED, S.CANCELLED, now=clock.now(),
                              reason="Esc")
        u.commit()
    with uow() as u, pytest.raises(AttemptMoved) as lost:
        u.payments.transition(a.attempt_id, S.PLANNED, S.PLANNED, now=clock.now(),
                              reason="Stripe could not be reached")
    assert lost.value.code == "IT-391"
    assert lost.value.current is not None and lost.value.current.state is S.CANCELLED
    after = stored(uow, a.attempt_id)
    assert after.state is S.CANCELLED and after.reason == "Esc"


@pytest.mark.parametrize(("expected", "target", "changes"), [
    (S.PLANNED, S.AUTHORISED, {}),  # not in the state machine
    (S.PLANNED, S.PLANNED, {}),  # a stay must change something
    (S.PLANNED, S.PLANNED, {"intent_id": "pi_9"}),  # a stay only carries a note
])
def test_an_illegal_move_is_refused_before_anything_is_written(
        ledger: Ledger, expected: AttemptState, target: AttemptState,
        changes: dict[str, Any]) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    with uow() as u, pytest.raises(IllegalTransition):
        u.payments.transition(a.attempt_id, expected, target, now=clock.now(), **changes)
    assert stored(uow, a.attempt_id) == a


def test_a_cancelled_attempt_never_goes_back_to_planned(ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    ctx = PaymentContext(uow, None, clock, "T1")  # type: ignore[arg-type]
    cancelled = ctx.move(a, S.CANCELLED, reason="Esc")
    with uow() as u, pytest.raises(IllegalTransition):
        u.payments.transition(a.attempt_id, S.CANCELLED, S.PLANNED, now=clock.now())
    # A stale writer that still believes PLANNED loses and is handed the truth.
    assert ctx.move(a, S.INTENT_CREATED, intent_id="pi_2") == cancelled
    assert stored(uow, a.attempt_id) == cancelled


def test_write_once_fields_cannot_change(ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    with uow() as u, pytest.raises(ValueError, match="amount"):
        u.payments.transition(a.attempt_id, S.PLANNED, S.CANCELLED, now=clock.now(),
                              amount=Money(1, "EUR"))
    assert stored(uow, a.attempt_id) == a


def test_a_note_stays_in_the_state_even_when_final(ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    ctx = PaymentContext(uow, None, clock, "T1")  # type: ignore[arg-type]
    done = ctx.move(a, S.CANCELLED, reason="Esc")
    noted = ctx.move(done, S.CANCELLED, reason="sam: customer paid cash")
    assert noted.state is S.CANCELLED and noted.reason == "sam: customer paid cash"


def test_many_connections_racing_one_move_have_exactly_one_winner(
        ledger: Ledger) -> None:
    path, uow, clock = ledger
    a = planned(uow, clock)
    engines = [migrated_engine(path) for _ in range(6)]
    targets = [S.INTENT_CREATED, S.CANCELLED, S.NEEDS_RECONCILIATION] * 2
    start = threading.Barrier(len(engines))

    def racer(i: int) -> Attempt:
        ctx = PaymentContext(SqlPaymentUnitOfWorkFactory(engines[i]), None,  # type: ignore[arg-type]
                             clock, "T1")
        changes = {"intent_id": f"pi_{i}"} if targets[i] is S.INTENT_CREATED else {
            "reason": f"racer {i}"}
        start.wait(timeout=10)
        return ctx.move(a, targets[i], **changes)

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            results = list(pool.map(racer, range(len(engines))))
    finally:
        for e in engines:
            e.dispose()
    final = stored(uow, a.attempt_id)
    assert all(r == final for r in results), results  # losers were handed the winner's row
    winners = [i for i in range(len(engines))
               if final.intent_id == f"pi_{i}" or final.reason == f"racer {i}"]
    assert len(winners) == 1 and final.state is targets[winners[0]]


def test_a_conclusion_about_one_reader_try_does_not_land_on_the_next(
        ledger: Ledger) -> None:
    _, uow, clock = ledger
    a = planned(uow, clock)
    ctx = PaymentContext(uow, None, clock, "T1")  # type: ignore[arg-type]
    try1 = ctx.move(ctx.move(a, S.INTENT_CREATED, intent_id="pi_t"), S.ON_READER,
                    reader_id="tmr_1", reader_try=1)
    declined = ctx.move(try1, S.DECLINED, decline_code="card_declined")
    try2 = ctx.move(declined, S.ON_READER, reader_try=2)
    # A poll that read the reader during try 1 concludes "the customer cancelled" late:
    late = ctx.move(try1, S.INTENT_CREATED, reason="The customer cancelled on the reader.")
    assert late == try2 == stored(uow, a.attempt_id)
    with uow() as u, pytest.raises(AttemptMoved):
        u.payments.transition(a.attempt_id, S.ON_READER, S.INTENT_CREATED, now=clock.now(),
                              expected_try=1)
