"""Crash recovery: the till dies at each named point of a card payment and restarts."""

from __future__ import annotations

from collections.abc import Callable

from ireti_till.commands.validation.case import Case, Category
from ireti_till.commands.validation.env import Crash, Env, S, sale

CATEGORY = Category("crash", "Crash recovery", 40,
                    "The process is stopped at each fault point of a card sale (before and "
                    "after every Stripe call); the restarted till's recovery leaves the ledger "
                    "and Stripe agreeing, and no customer is charged twice.")

POINTS = ("sale.opened", "attempt.planned", "intent.created", "intent.stored",
          "reader.sending", "reader.sent", "auth.seen", "auth.stored", "capture.sent",
          "capture.stored")


def crash_at(point: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        assert env.core.readers.current_reader(), "no reader registered"
        hit: list[str] = []

        def hook(name: str) -> None:
            if name == point and not hit:
                hit.append(name)
                raise Crash(name)

        crashing = env.make_core(crash=hook)
        s = sale(1500)
        try:
            crashing.tender.begin(s)
            st = crashing.cards.start(s.sale_id)
            env.present(st, "approve", core=crashing)
            crashing.outbox.drain()
        except Crash:
            pass
        assert hit, f"the fault point {point} was never reached"
        restarted = env.make_core()
        report = restarted.recovery.run()
        restarted.outbox.drain()
        rows = env.sql("SELECT attempt_id, state, intent_id FROM card_attempts "
                       "WHERE sale_id = ?", str(s.sale_id))
        charged = 0
        for _attempt, state, intent in rows:
            if intent:
                pi = restarted.ctx.gateway.retrieve_intent(intent)
                charged += pi.status in ("succeeded", "requires_capture")
                assert (pi.status == "succeeded") == (state == S.CAPTURED.value), (state, pi)
                assert pi.status != "requires_capture" or state == S.AUTHORISED.value, (
                    state, pi.status)
        assert charged <= 1, f"{charged} charges for one sale"
        states = sorted(r[1] for r in rows) or ["no attempt"]
        return (f"crashed at {point}; recovery examined {report.examined}: local "
                f"{', '.join(states)}; Stripe agrees; {charged} charge")
    return check


CASES = [Case(f"CRA-{i:02d}", f"Crash at {point}: recovery agrees with Stripe, one charge "
              "at most", crash_at(point)) for i, point in enumerate(POINTS, start=1)]
