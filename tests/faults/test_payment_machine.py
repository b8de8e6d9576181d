"""A Hypothesis state machine over sales, cash, cards, declines, cancels, voids, crashes and
offline/online. However the steps interleave, after a final restart + recovery + drain the
books hold: no lost sale, no double charge, no orphan authorisation, captured = local card
total, integrity_check ok. The machine prints a JSON summary at the end."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.payment_context import POINTS
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.scenario import check
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState
#: Crash points armed together with an action (None most of the time).
CRASH = st.one_of(st.none(), st.none(), st.sampled_from(POINTS))
EMU = Emulator.start(EmulatorConfig(rate_limit=None))
TOTALS = {"runs": 0, "steps": 0, "crashes": 0, "offline_spells": 0, "sales": 0,
          "double_charges": 0, "sales_lost": 0, "orphans": 0}


class SimulatedCrash(BaseException):
    """Raised at an armed crash point: unwinds like a kill (uncommitted work is lost)."""


class PaymentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ireti-machine-"))
        self.till = f"H{TOTALS['runs']:05d}"
        TOTALS["runs"] += 1
        probe = Rig(EMU, self.dir / "probe.sqlite3", reader_id="", till_id=self.till)
        self.reader = register_reader(probe.gateway, self.till)
        probe.close()
        self.armed: str | None = None
        self.generation = 0
        self.rig = self._boot()
        self.sale: UUID | None = None
        self.attempt: UUID | None = None

    def _hook(self, point: str) -> None:
        if self.armed == point:
            self.armed = None
            raise SimulatedCrash(point)

    def _boot(self) -> Rig:
        self.generation += 1
        rig = Rig(EMU, self.dir / "ledger.sqlite3", reader_id=self.reader, till_id=self.till,
                  crash=self._hook)
        return rig

    def _do(self, fn: Any) -> Any:
        TOTALS["steps"] += 1
        try:
            return fn()
        except SimulatedCrash:
            TOTALS["crashes"] += 1
            self.restart()
        except TillError:
            return None  # refused with a message: nothing changed
        return None

    # ---- rules -------------------------------------------------------------------------
    @precondition(lambda self: self.sale is None)
    @rule(total=st.integers(100, 9000))
    def new_sale(self, total: int) -> None:
        sale = sale_template(total, till_id=self.till)
        self._do(lambda: self.rig.tender.begin(sale))
        self.sale, self.attempt = sale.sale_id, None
        TOTALS["sales"] += 1

    @precondition(lambda self: self.sale is not None)
    @rule(cash=st.integers(1, 5000))
    def pay_cash(self, cash: int) -> None:
        prog = self._do(lambda: self.rig.tender.pay_cash(self.sale, Money(cash, "EUR")))
        if prog is not None and prog.state.value != "open":
            self.sale = None

    @precondition(lambda self: self.sale is not None)
    @rule(part=st.booleans(), crash=CRASH)
    def card(self, part: bool, crash: str | None) -> None:
        self.armed = crash or self.armed
        def go() -> Any:
            prog = self.rig.tender.progress(self.sale)
            amount = Money(max(1, prog.remaining.minor // 2), "EUR") if part else None
            return self.rig.cards.start(self.sale, amount)
        status = self._do(go)
        if status is not None:
            self.attempt = status.attempt_id

    @precondition(lambda self: self.attempt is not None)
    @rule(outcome=st.sampled_from(["approve", "decline", "insufficient_funds", "expired",
                                   "customer_cancels", "reader_timeout"]), crash=CRASH)
    def customer(self, outcome: str, crash: str | None) -> None:
        self.armed = crash or self.armed
        try:
            EMU.simulate.present(self.reader, outcome)
        except Exception:  # noqa: BLE001 - nothing waiting on the reader
            return
        status = self._do(lambda: self.rig.cards.poll(self.attempt))
        self._after(status)

    @precondition(lambda self: self.attempt is not None)
    @rule(action=st.sampled_from(["poll", "try_again", "cancel", "abandon"]))
    def cashier(self, action: str) -> None:
        aid = self.attempt
        fn = {"poll": lambda: self.rig.cards.poll(aid),
              "try_again": lambda: self.rig.cards.try_again(aid),
              "cancel": lambda: self.rig.cards.cancel(aid),
              "abandon": lambda: self.rig.cards.abandon(aid, "machine")}[action]
        self._after(self._do(fn))

    @precondition(lambda self: self.sale is not None)
    @rule()
    def void(self) -> None:
        if self._do(lambda: self.rig.cards.void_sale(self.sale, "machine void")) is not None:
            self.sale = self.attempt = None

    @rule(point=st.sampled_from(POINTS))
    def arm_crash(self, point: str) -> None:
        self.armed = point

    @rule()
    def restart(self) -> None:
        self.rig.close()
        self.rig = self._boot()
        self.armed = None
        self.sale = self.attempt = None
        self.rig.ctx.crash = self._hook
        from ireti_till.services.recovery import Recovery

        Recovery(self.rig.ctx, self.rig.outbox).run()

    @rule(count=st.integers(1, 4))
    def network_blip(self, count: int) -> None:
        TOTALS["offline_spells"] += 1
        EMU.faults.script("connection_reset", count=count, path="/v1/")

    @rule()
    def drain(self) -> None:
        self._do(self.rig.outbox.drain)

    def _after(self, status: Any) -> None:
        if status is not None and status.sale_completed:
            self.sale = self.attempt = None
        elif status is not None and status.state in (S.CANCELLED, S.CAPTURED):
            self.attempt = None

    @invariant()
    def ledger_is_sane(self) -> None:
        books = check(self.rig.db_path, [], self.till)
        assert books.integrity == "ok" and books.sales_lost == 0

    def teardown(self) -> None:
        EMU.faults.clear()
        self.armed = None
        self.restart()
        for _ in range(3):
            items = self.rig.outbox.queue()
            if not items:
                break
            for item in items:
                self.rig.outbox.retry_now(item.op_id)
            self.rig.outbox.drain()
        with EMU.state.lock:
            intents = [dict(p) for p in EMU.state.intents.values()]
        books = check(self.rig.db_path, intents, self.till)
        TOTALS["double_charges"] += books.double_charges
        TOTALS["sales_lost"] += books.sales_lost
        TOTALS["orphans"] += books.orphan_authorisations
        self.rig.close()
        assert books.clean, books


PaymentMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class TestPaymentMachine(PaymentMachine.TestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        print("\nMACHINE SUMMARY " + json.dumps(TOTALS))
