"""The back-office stream's wiring on the till side (issue 15), on the real emulator and
ledger: a refund that failed after Stripe accepted it reaches its refund leg and the queue
panel through the board's refund hook; without a stream the card flow polls on the polite
schedule, not every 0.5 s."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.adapters.backoffice_stream import NoticeBoard
from ireti_till.adapters.stream_wiring import refund_hook
from ireti_till.commands.validation.env import Env, sale
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.stream_notices import RefundNotice
from ireti_till.services.refunds import RefundRequest


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    from ireti_till.training.server import Emulator, EmulatorConfig

    emulator = Emulator.start(EmulatorConfig(rate_limit=None))  # loopback, this test's own
    e = Env(tmp_path, emulator.api_key, emulator.base_url, emulator)
    try:
        yield e
    finally:
        e.close()
        emulator.stop()


def _refund_that_will_fail(env: Env) -> tuple[object, str]:
    s = sale(3000)
    env.core.tender.begin(s)
    st = env.present(env.core.cards.start(s.sale_id), "refund_fails")
    kit = env.kit()
    kit.service.refund(RefundRequest(s.sale_id, Money(1000, "EUR")), "stream", kit.cashier)
    env.core.outbox.drain()  # Stripe accepts it as pending
    attempt = env.core.cards._load(st.attempt_id)
    assert attempt.intent_id is not None
    (refund,) = env.core.ctx.gateway.list_refunds(attempt.intent_id)
    assert refund.status == "pending"
    return attempt, refund.id


def _refund_op(env: Env, attempt: object) -> object:
    with env.core.ctx.uow() as u:
        ops = u.payments.operations_for_attempt(attempt.attempt_id)  # type: ignore[attr-defined]
    (op,) = [o for o in ops if o.kind is OperationKind.REFUND]
    return op


def test_a_failed_refund_notice_fails_the_refund_leg_and_tells_the_queue(env: Env) -> None:
    attempt, refund_id = _refund_that_will_fail(env)
    published: list[object] = []
    board = NoticeBoard()
    board.refund_hooks.append(refund_hook(env.core, published.append))
    # a notice that says "failed" before Stripe does is only a hint: nothing moves
    board.post(RefundNotice("evt_early", "refund.failed", int(time.time()), refund_id,
                            "failed"))
    assert _refund_op(env, attempt).state is OperationState.DONE  # type: ignore[attr-defined]
    assert published == []
    assert env.emu is not None
    env.emu.clock.advance(5)  # the emulator fails the pending refund
    notice = RefundNotice("evt_1", "refund.failed", int(time.time()), refund_id, "failed")
    board.post(notice)
    op = _refund_op(env, attempt)
    assert op.state is OperationState.FAILED  # type: ignore[attr-defined]
    assert "pay them another way" in (op.last_error or "")  # type: ignore[attr-defined]
    (summary,) = published
    assert any(i.kind == "refund" and i.state == "failed"
               for i in summary.items)  # type: ignore[attr-defined]
    board.post(notice)  # the same notice again (reconnect, resend): nothing more happens
    assert len(published) == 1
    assert env.core.sweep.run().ok  # and the sweep agrees without applying it twice
    assert _refund_op(env, attempt).state is OperationState.FAILED  # type: ignore[attr-defined]


def test_a_refund_notice_that_is_not_a_failure_is_ignored(env: Env) -> None:
    attempt, refund_id = _refund_that_will_fail(env)
    published: list[object] = []
    hook = refund_hook(env.core, published.append)
    hook(RefundNotice("evt_2", "refund.updated", int(time.time()), refund_id, "pending"))
    assert published == []
    assert _refund_op(env, attempt).state is OperationState.DONE  # type: ignore[attr-defined]


class _Waits(threading.Event):
    """The stop event ``follow`` waits on: records each wait; stops after ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.waits = limit, []  # type: list[float]

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(float(timeout or 0))
        if len(self.waits) >= self.limit:
            self.set()
        return self.is_set()


def test_without_a_stream_the_card_flow_polls_on_the_polite_schedule(env: Env) -> None:
    s = sale(1500)
    env.core.tender.begin(s)
    st = env.core.cards.start(s.sale_id)  # on the reader; nobody presents a card
    stop = _Waits(4)
    env.core.cards.follow(st.attempt_id, stop)
    first, _second, third, fourth = stop.waits
    assert 0.4 <= first <= 0.6  # PollSchedule: 0.5 s first, +-20 % jitter
    assert third >= 0.9 and fourth >= 1.3  # then growing (x1.5), not a fixed 0.5 s
    assert max(stop.waits) <= 2.4
    fixed = _Waits(2)
    env.core.cards.follow(st.attempt_id, fixed, 0.05)  # an explicit interval still wins
    assert fixed.waits == [0.05, 0.05]
