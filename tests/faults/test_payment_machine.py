"""A Hypothesis state machine over sales, cash, cards, declines, cancels, voids, refunds
(partial, the rest, one cent too many; through the refund service), replays of refund rows,
crashes (payment points and around a refund) and offline/online. However the steps
interleave, after a final restart + recovery + drain the books hold: no lost sale, no double
charge, no orphan authorisation, captured = local card total, refunded per PaymentIntent <=
captured (ledger and Stripe), one Stripe refund per refund leg (never two, never one the
ledger does not know), integrity_check ok. The machine prints a JSON summary at the end."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.payment_context import POINTS
from ireti_till.services.refunds import RefundRequest
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.refunds import CLERK, REFUND_POINTS, arm_refund_points, refund_service
from tests.faults.scenario import check
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState
#: Crash points armed together with an action (None most of the time).
CRASH = st.one_of(st.none(), st.none(), st.sampled_from(POINTS))
REFUND_CRASH = st.one_of(st.none(), st.sampled_from(REFUND_POINTS))
EMU = Emulator.start(EmulatorConfig(rate_limit=None))
TOTALS = {"runs": 0, "steps": 0, "crashes": 0, "offline_spells": 0, "sales": 0,
          "double_charges": 0, "sales_lost": 0, "orphans": 0, "refunds_asked": 0,
          "refunds_committed": 0, "refund_legs": 0, "refunds_at_stripe": 0, "refund_replays": 0,
          "over_refunds_refused": 0, "over_refunds": 0, "duplicate_refunds": 0,
          "refunds_unknown": 0, "refunds_missing": 0}


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
        self.done: list[UUID] = []  # completed sales (refundable when paid)
        self.refund_ops: list[UUID] = []  # outbox rows of committed card refund legs
        self.rig = self._boot()
        self.sale: UUID | None = None
        self.attempt: UUID | None = None

    def _sid(self) -> UUID:
        assert self.sale is not None  # the rule's precondition
        return self.sale

    def _aid(self) -> UUID:
        assert self.attempt is not None
        return self.attempt

    def _hook(self, point: str) -> None:
        if self.armed == point:
            self.armed = None
            raise SimulatedCrash(point)

    def _boot(self) -> Rig:
        self.generation += 1
        rig = Rig(EMU, self.dir / "ledger.sqlite3", reader_id=self.reader, till_id=self.till,
                  crash=self._hook)
        arm_refund_points(rig.ctx, self._hook)
        self.refunds = refund_service(rig.engine, self.dir / "secrets", self.till, self._hook)
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

    @initialize(total=st.integers(100, 9000))
    def first_paid_sale(self, total: int) -> None:
        """Every run starts with a paid card sale, so refunds are on the table at once."""
        self.paid_card_sale(total, None)

    @precondition(lambda self: self.sale is None)
    @rule(total=st.integers(100, 9000), crash=CRASH)
    def paid_card_sale(self, total: int, crash: str | None) -> None:
        """A whole card sale in one step (begin, card, approved): something to refund."""
        sale = sale_template(total, till_id=self.till)
        TOTALS["sales"] += 1
        self.armed = crash or self.armed

        def ring() -> Any:
            self.rig.tender.begin(sale)
            status = self.rig.cards.start(sale.sale_id)
            with contextlib.suppress(Exception):  # not on the reader (a blip): poll says
                EMU.simulate.present(self.reader, "approve")
            return self.rig.cards.poll(status.attempt_id)
        self.sale, self.attempt = sale.sale_id, None  # open until paid, voided or recovered
        status = self._do(ring)
        if status is not None and not status.sale_completed:
            self.attempt = status.attempt_id  # still on the reader: other rules go on
        self._after(status)

    @precondition(lambda self: self.sale is not None)
    @rule(cash=st.integers(1, 5000))
    def pay_cash(self, cash: int) -> None:
        sale = self._sid()
        prog = self._do(lambda: self.rig.tender.pay_cash(sale, Money(cash, "EUR")))
        if prog is not None and prog.state.value != "open":
            if prog.completed:
                self.done.append(sale)
            self.sale = None

    @precondition(lambda self: self.sale is not None)
    @rule(part=st.booleans(), crash=CRASH)
    def card(self, part: bool, crash: str | None) -> None:
        self.armed = crash or self.armed
        def go() -> Any:
            prog = self.rig.tender.progress(self._sid())
            amount = Money(max(1, prog.remaining.minor // 2), "EUR") if part else None
            return self.rig.cards.start(self._sid(), amount)
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
        status = self._do(lambda: self.rig.cards.poll(self._aid()))
        self._after(status)

    @precondition(lambda self: self.attempt is not None)
    @rule(action=st.sampled_from(["poll", "try_again", "cancel", "abandon"]))
    def cashier(self, action: str) -> None:
        aid = self._aid()
        fn = {"poll": lambda: self.rig.cards.poll(aid),
              "try_again": lambda: self.rig.cards.try_again(aid),
              "cancel": lambda: self.rig.cards.cancel(aid),
              "abandon": lambda: self.rig.cards.abandon(aid, "machine")}[action]
        self._after(self._do(fn))

    @precondition(lambda self: self.sale is not None)
    @rule()
    def void(self) -> None:
        if self._do(lambda: self.rig.cards.void_sale(self._sid(), "machine void")) is not None:
            self.sale = self.attempt = None

    @precondition(lambda self: bool(self.done))
    @rule(pick=st.integers(0, 999), how=st.sampled_from(["part", "rest", "rest", "over"]),
          crash=REFUND_CRASH)
    def refund(self, pick: int, how: str, crash: str | None) -> None:
        """Part of a completed sale back, all that is left, or one cent more than that."""
        sale_id = self.done[pick % len(self.done)]
        self._do(self.rig.outbox.drain)  # the worker sends queued captures first
        try:
            view = self.refunds.view(sale_id)
        except TillError:
            return
        left = sum(p.amount.minor - p.refunded.minor for p in view.payments)
        amount = {"part": max(1, left // 2), "rest": left, "over": left + 1}[how]
        if left <= 0 and how != "over":
            return
        TOTALS["refunds_asked"] += 1
        self.armed = crash or self.armed
        request = RefundRequest(sale_id, Money(amount, "EUR"))
        try:
            record = self.refunds.refund(request, "machine refund", CLERK)
        except SimulatedCrash:  # refund.committed: in the ledger, nothing sent yet
            TOTALS["crashes"] += 1
            self.restart()
            return
        except TillError as exc:
            if how == "over":
                assert exc.code == "IT-444", exc
                TOTALS["over_refunds_refused"] += 1
            return
        assert how != "over", f"an over-refund was accepted: {record}"
        TOTALS["refunds_committed"] += 1
        self.refund_ops += [leg.op_id for leg in record.legs if leg.op_id is not None]
        self._do(self.rig.outbox.drain)  # the worker's kick after a commit

    @precondition(lambda self: bool(self.refund_ops))
    @rule(pick=st.integers(0, 999), crash=REFUND_CRASH)
    def replay_refund(self, pick: int, crash: str | None) -> None:
        """The worker runs a refund row again (a retry, a second worker, a restart)."""
        TOTALS["refund_replays"] += 1
        self.armed = crash or self.armed
        op_id = self.refund_ops[pick % len(self.refund_ops)]
        self._do(lambda: self.rig.outbox.run(op_id))

    @rule(point=st.sampled_from((*POINTS, *REFUND_POINTS)))
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
            if self.sale is not None:
                self.done.append(self.sale)
            self.sale = self.attempt = None
        elif status is not None and status.state in (S.CANCELLED, S.CAPTURED):
            self.attempt = None

    @invariant()
    def ledger_is_sane(self) -> None:
        books = check(self.rig.db_path, [], self.till)
        assert books.integrity == "ok" and books.sales_lost == 0
        assert books.refunds.over_refunds == 0, books.refunds  # legs <= card paid, per PI

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
            stripe_refunds = [dict(r) for r in EMU.state.refunds.values()]
        books = check(self.rig.db_path, intents, self.till, stripe_refunds)
        TOTALS["double_charges"] += books.double_charges
        TOTALS["sales_lost"] += books.sales_lost
        TOTALS["orphans"] += books.orphan_authorisations
        r = books.refunds
        TOTALS["refunds_at_stripe"] += r.refunds
        TOTALS["refund_legs"] += r.refund_legs
        for name in ("over_refunds", "duplicate_refunds", "refunds_unknown", "refunds_missing"):
            TOTALS[name] += getattr(r, name)
        self.rig.close()
        shutil.rmtree(self.dir, ignore_errors=True)  # one folder per example: none left behind
        assert books.clean, books
        assert r.refunds_queued_left == 0, r
        assert r.refunds == r.refund_legs, r  # every committed card leg at Stripe, once


PaymentMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class TestPaymentMachine(PaymentMachine.TestCase):  # type: ignore[misc,valid-type]
    @classmethod
    def tearDownClass(cls) -> None:
        print("\nMACHINE SUMMARY " + json.dumps(TOTALS))
