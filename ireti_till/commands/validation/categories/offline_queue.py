"""Offline and the queue: card off with a reason, cash on, queued work sent exactly once."""

from __future__ import annotations

from ireti_till.commands.validation.case import EMULATOR_ONLY, Case, Category
from ireti_till.commands.validation.env import Env, S, sale
from ireti_till.domain.money import Money

CATEGORY = Category("offline", "Offline and the queue", 30,
                    "The reader or Stripe unreachable: card tender off with a plain reason, "
                    "cash still works; captures and cancels wait in the outbox and are sent "
                    "exactly once when Stripe is back, also after a restart.")


def _failed_capture(env: Env) -> tuple[object, int]:
    assert env.emu is not None
    env.emu.faults.script("http_500", path="/capture$", count=1)
    st = env.card_sale(["approve"])
    assert st.state is S.AUTHORISED and st.sale_completed, st
    return st, env.core.queue_summary().count


def reader_offline(env: Env) -> str:
    assert env.emu is not None
    reader = env.core.readers.current_reader() or ""
    assert env.core.connectivity.check()[0].card_enabled
    env.emu.simulate.set_status(reader, "offline")
    try:
        state, _ = env.core.connectivity.check()
        assert not state.card_enabled and state.reason, state
        s = sale(300)
        env.core.tender.begin(s)
        assert env.core.tender.pay_cash(s.sale_id, Money(300, "EUR")).completed
    finally:
        env.emu.simulate.set_status(reader, "online")
    state2, came_back = env.core.connectivity.check()
    assert state2.card_enabled and came_back, state2
    return f"card off ({state.code or state.reason}), cash sale completed, card back by itself"


def capture_queued(env: Env) -> str:
    st, queued = _failed_capture(env)
    assert queued >= 1
    for item in env.core.queue_summary().items:
        env.core.outbox.retry_now(item.op_id)
    env.core.outbox.drain()
    assert env.core.cards.poll(st.attempt_id).state is S.CAPTURED  # type: ignore[attr-defined]
    assert env.core.queue_summary().count == 0
    return f"{queued} capture queued after a 500, then drained"


def queue_summary(env: Env) -> str:
    _st, queued = _failed_capture(env)
    summ = env.core.queue_summary()
    kinds = sorted({i.kind for i in summ.items})
    assert summ.count == queued and summ.oldest_age_s is not None, summ
    for item in summ.items:
        env.core.outbox.retry_now(item.op_id)
    env.core.outbox.drain()
    return f"queue showed {summ.count} item(s) {kinds}, oldest {summ.oldest_age_s:.1f} s"


def survives_restart(env: Env) -> str:
    st, _queued = _failed_capture(env)
    restarted = env.make_core()
    for item in restarted.queue_summary().items:
        restarted.outbox.retry_now(item.op_id)
    restarted.outbox.drain()
    assert restarted.cards.poll(st.attempt_id).state is S.CAPTURED  # type: ignore[attr-defined]
    return "a capture queued before a restart was sent by the restarted till"


def replay_sends_nothing(env: Env) -> str:
    st = env.card_sale(["approve"], total=1111)
    intent = env.intent_of(st)
    ops = env.sql("SELECT op_id FROM payment_outbox WHERE attempt_id = ?", str(st.attempt_id))
    from uuid import UUID

    for (op_id,) in ops:
        env.core.outbox.run(UUID(op_id))
    pi = env.core.ctx.gateway.retrieve_intent(intent)
    assert pi.status == "succeeded" and pi.amount_received_minor == 1111, pi
    return f"{len(ops)} finished operation(s) replayed; Stripe still holds one 11.11 capture"


def void_authorised_queues_cancel(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("http_500", path="/capture$", count=1)
    s = sale(1800)
    env.core.tender.begin(s)
    env.core.tender.pay_cash(s.sale_id, Money(300, "EUR"))
    st = env.present(env.core.cards.start(s.sale_id), "approve")
    assert st.state in (S.AUTHORISED, S.CAPTURED), st
    if st.state is S.CAPTURED:
        return "captured at once (sale complete): nothing to cancel"
    for item in env.core.queue_summary().items:
        env.core.outbox.retry_now(item.op_id)
    env.core.outbox.drain()
    final = env.core.cards.poll(st.attempt_id)
    assert final.state is S.CAPTURED and final.sale_completed, final
    return "3.00 cash + card authorised, capture failed and was held, then captured"


def rate_limited_capture(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("rate_limit", path="/capture$", count=1)
    st = env.card_sale(["approve"])
    if st.state is not S.CAPTURED:
        for item in env.core.queue_summary().items:
            env.core.outbox.retry_now(item.op_id)
        env.core.outbox.drain()
    assert env.core.cards.poll(st.attempt_id).state is S.CAPTURED
    return "a 429 on capture was retried and the payment captured once"


def connection_reset_create(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("response_lost", path="/payment_intents$", count=1)
    st = env.card_sale(["approve"])
    found = env.core.ctx.gateway.search_intents({"attempt_id": str(st.attempt_id)})
    assert st.state is S.CAPTURED and len(found) == 1, (st, found)
    return "the create response was lost; the replay with the same key found one intent"


def resolve_records_who(env: Env) -> str:
    _st, _ = _failed_capture(env)
    item = env.core.queue_summary().items[0]
    env.core.resolve(item.op_id, "validation: captured by hand", "supervisor-1")
    rows = env.sql("SELECT state FROM payment_outbox WHERE op_id = ?", str(item.op_id))
    left = [i for i in env.core.queue_summary().items if i.op_id == item.op_id]
    assert not left, left
    restarted = env.make_core()
    restarted.recovery.run()
    return f"resolved item {str(item.op_id)[:8]} left the queue (state {rows[0][0]})"


def cash_while_stripe_down(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("connection_reset", count=20)
    try:
        s = sale(250)
        env.core.tender.begin(s)
        prog = env.core.tender.pay_cash(s.sale_id, Money(250, "EUR"))
        assert prog.completed, prog
    finally:
        env.emu.faults.clear()
    return "with every Stripe request failing, a cash sale completed (no network needed)"


CASES = [
    Case("OFF-01", "Reader offline: card off with a reason, cash works, card comes back",
         reader_offline, EMULATOR_ONLY),
    Case("OFF-02", "A failed capture is queued and sent when Stripe answers", capture_queued,
         EMULATOR_ONLY),
    Case("OFF-03", "The queue panel's summary counts items and the oldest age",
         queue_summary, EMULATOR_ONLY),
    Case("OFF-04", "Queued work survives a restart and is sent by the restarted till",
         survives_restart, EMULATOR_ONLY),
    Case("OFF-05", "Replaying finished operations sends nothing new to Stripe",
         replay_sends_nothing),
    Case("OFF-06", "A split sale whose capture fails is held and drained",
         void_authorised_queues_cancel, EMULATOR_ONLY),
    Case("OFF-07", "A rate-limited capture (429) is retried and captured once",
         rate_limited_capture, EMULATOR_ONLY),
    Case("OFF-08", "A lost create response is replayed with the same key: one intent",
         connection_reset_create, EMULATOR_ONLY),
    Case("OFF-09", "A supervisor can resolve a queue item and it leaves the queue",
         resolve_records_who, EMULATOR_ONLY),
    Case("OFF-10", "Cash sales complete while every Stripe request fails",
         cash_while_stripe_down, EMULATOR_ONLY),
]
