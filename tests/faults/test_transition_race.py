"""A Hypothesis state machine racing card-attempt state changes on one real SQLite file.

Actors run at the same moment in their own threads (a barrier starts them; the SQLAlchemy
pool gives each its own connection): the card dialog's worker thread (create / send to the
reader / poll), the cashier's Esc (abandon), the sync worker (outbox drain, events sweep),
start-up recovery, a supervisor's "check again", a void, and the customer on the
simulated reader. Optionally the dialog's request is parked on the emulator (``hold``)
while the others act, which is how a slow Stripe answer meets an Esc. A second kind of step
races bare compare-and-sets from stale snapshots on separate engines.

A trigger the test installs on ``card_attempts`` writes every state change to a log table,
so the checks read what really happened on disk, whichever code path wrote it:

- every recorded change is a legal move of ``domain.payment`` (or a note that stays put);
- a final state never leaves (no CAPTURED/CANCELLED -> anything else; CANCELLED never goes
  back to PLANNED);
- each attempt's current state is the last recorded one, and a state seen final stays so;
- no actor meets an ``IllegalTransition`` or an unexpected exception;
- at the end (recovery + drain): no double charge, no lost sale, no orphan authorisation,
  captured = local card total, integrity_check ok.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import Engine, text

from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
from ireti_till.domain.errors import TillError
from ireti_till.domain.payment import (
    FINAL_STATES,
    TRANSITIONS,
    Attempt,
    AttemptState,
    IllegalTransition,
    create_key,
)
from ireti_till.services.events_sweep import EventsSweep
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.reconcile import Reconciler
from ireti_till.services.recovery import Recovery
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.scenario import check
from tests.faults.support import Rig, migrated_engine, register_reader, sale_template
from tests.fixtures.waiting import poll

S = AttemptState
ACTORS = ("card", "poll", "esc", "worker", "sweep", "recovery", "recheck", "void", "customer")
OUTCOMES = ("approve", "decline", "customer_cancels", "reader_timeout")
#: The request each actor may be parked on (held by the emulator while the others act).
PARK = {"card": r"/v1/payment_intents$|/process_payment_intent$",
        "poll": r"/v1/terminal/readers/tmr_[A-Za-z0-9]+$|/v1/payment_intents/pi_[A-Za-z0-9]+$",
        "esc": r"/cancel_action$|/cancel$|/v1/payment_intents",
        "worker": r"/capture$|/cancel$|/v1/payment_intents",
        "recovery": r"/v1/payment_intents"}
#: Faults on a create: a reset leaves the attempt planned with its key free (so the next
#: create is parked on the emulator); a 500 or a lost answer burn or settle the key.
CREATE_FAULTS = (None, "connection_reset", "connection_reset", "http_500", "response_lost")
TOTALS = {"runs": 0, "races": 0, "actor_calls": 0, "parked": 0, "lost_races": 0,
          "stale_writes_refused": 0, "changes_logged": 0, "refused_with_message": 0}
LOG_SQL = (
    "CREATE TABLE IF NOT EXISTS test_state_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "attempt_id TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS test_log_state AFTER UPDATE ON card_attempts "
    "BEGIN INSERT INTO test_state_log (attempt_id, old, new) "
    "VALUES (OLD.attempt_id, OLD.state, NEW.state); END",
)


def install_state_log(engine: Engine) -> None:
    with engine.begin() as conn:
        for sql in LOG_SQL:
            conn.execute(text(sql))


class _LostRaces(logging.Handler):
    """Counts compare-and-sets that found the attempt already moved (for the summary)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "not done, it is already" in record.getMessage()


class TransitionRace(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        TOTALS["runs"] += 1
        self.dir = Path(tempfile.mkdtemp(prefix="ireti-race-"))
        self.till = f"Q{TOTALS['runs']:05d}"
        self.emu = Emulator.start(EmulatorConfig(rate_limit=None))
        probe = Rig(self.emu, self.dir / "probe.sqlite3", reader_id="", till_id=self.till)
        self.reader = register_reader(probe.gateway, self.till)
        probe.close()
        self.rig = Rig(self.emu, self.dir / "ledger.sqlite3", reader_id=self.reader,
                       till_id=self.till)
        install_state_log(self.rig.engine)
        self.lost = _LostRaces()
        payments_log = logging.getLogger("ireti_till.payments")
        self.log_level = payments_log.level
        payments_log.setLevel(logging.INFO)
        payments_log.addHandler(self.lost)
        #: Attempts Stripe never hears of, for bare compare-and-sets (their moves are not
        #: evidence, so they live in a ledger of their own and never reach the books).
        self.paper = migrated_engine(self.dir / "paper.sqlite3")
        install_state_log(self.paper)
        self.paper_attempts: list[Attempt] = []
        self.attempts: list[tuple[UUID, UUID]] = []  # (attempt, sale)
        self.seen_final: dict[UUID, AttemptState] = {}
        self.errors: list[str] = []

    # ---- helpers -----------------------------------------------------------------------
    def _call(self, who: str, fn: Callable[[], Any]) -> Any:
        TOTALS["actor_calls"] += 1
        try:
            return fn()
        except IllegalTransition as exc:  # a service tried a move the machine forbids
            self.errors.append(f"{who}: {exc}")
        except TillError:
            TOTALS["refused_with_message"] += 1  # refused with a code: nothing changed
        except Exception as exc:  # noqa: BLE001 - reported by the invariant
            self.errors.append(f"{who}: {type(exc).__name__}: {exc}")
        return None

    def _actor(self, who: str, aid: UUID, sale_id: UUID, outcome: str) -> Callable[[], Any]:
        rig = self.rig
        actors: dict[str, Callable[[], Any]] = {
            "card": lambda: rig.cards.resume(aid),
            "poll": lambda: rig.cards.poll(aid),
            "esc": lambda: rig.cards.abandon(aid, "Esc"),
            "worker": rig.outbox.drain,
            "sweep": lambda: EventsSweep(rig.ctx).run(),
            "recovery": lambda: Recovery(rig.ctx, rig.outbox).run(),
            "recheck": lambda: Reconciler(rig.ctx).recheck(aid),
            "void": lambda: rig.cards.void_sale(sale_id, "race void"),
            "customer": lambda: self._present(outcome),
        }
        return actors[who]

    def _present(self, outcome: str) -> None:
        with contextlib.suppress(Exception):  # nothing waiting on the reader: no customer
            self.emu.simulate.present(self.reader, outcome)

    def _attempt(self, aid: UUID) -> Attempt:
        with self.rig.ctx.uow() as u:
            a = u.payments.get_attempt(aid)
        assert a is not None
        return a

    # ---- rules -------------------------------------------------------------------------
    @rule(total=st.integers(100, 9000), fault=st.sampled_from(CREATE_FAULTS))
    def start_card(self, total: int, fault: str | None) -> None:
        """A new sale and a card on it; the create may meet a fault (stays planned)."""
        sale = sale_template(total, till_id=self.till)
        self.rig.tender.begin(sale)
        if fault is not None:
            self.emu.faults.script(fault, path=r"/v1/payment_intents$")
        self._call("start", lambda: self.rig.cards.start(sale.sale_id))
        self.emu.faults.clear()
        found = self.rig.tender.progress(sale.sale_id).cards
        self.attempts += [(a.attempt_id, sale.sale_id) for a in found]

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 999),
          actors=st.lists(st.sampled_from(ACTORS), min_size=2, max_size=4, unique=True),
          park=st.sampled_from((None, *PARK)), outcome=st.sampled_from(OUTCOMES),
          fault=st.sampled_from(CREATE_FAULTS))
    def race(self, pick: int, actors: list[str], park: str | None, outcome: str,
             fault: str | None) -> None:
        aid, sale_id = self.attempts[pick % len(self.attempts)]
        self._race(aid, sale_id, actors, park if park in actors else None, outcome, fault)

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 999), fault=st.sampled_from(("http_500", "response_lost", None)),
          others=st.lists(st.sampled_from(("worker", "recovery", "sweep", "poll", "customer")),
                          max_size=2, unique=True))
    def esc_while_the_card_call_hangs(self, pick: int, fault: str | None,
                                      others: list[str]) -> None:
        """The dialog's request (create / process) is parked on Stripe, may then fail, and
        meanwhile the cashier presses Esc (with the worker or recovery running too)."""
        waiting = [(a, s) for a, s in self.attempts
                   if self._attempt(a).state in (S.PLANNED, S.INTENT_CREATED, S.DECLINED)]
        aid, sale_id = (waiting or self.attempts)[pick % len(waiting or self.attempts)]
        self._race(aid, sale_id, ["card", "esc", *others], "card", "approve", fault)

    def _race(self, aid: UUID, sale_id: UUID, actors: list[str], parked: str | None,
              outcome: str, fault: str | None) -> None:
        TOTALS["races"] += 1
        if fault is not None:
            self.emu.faults.script(fault, path=r"/v1/payment_intents$")
        hold = self.emu.faults.hold(PARK[parked]) if parked else None
        others = [a for a in actors if a != parked]
        gate = threading.Barrier(len(others))

        def run(who: str) -> Any:
            gate.wait(timeout=10)
            return self._call(who, self._actor(who, aid, sale_id, outcome))

        with ThreadPoolExecutor(len(actors)) as pool:
            first: Future[Any] | None = None
            if parked is not None and hold is not None:
                first = pool.submit(self._call, parked,
                                    self._actor(parked, aid, sale_id, outcome))
                future = first
                poll(lambda: hold.entered.is_set() or future.done())
                TOTALS["parked"] += hold.entered.is_set()
            try:
                for f in [pool.submit(run, who) for who in others]:
                    f.result(timeout=60)
            finally:
                if hold is not None:
                    hold.release()  # never entered: it lets a later request straight by
            if first is not None:
                first.result(timeout=60)
        self.emu.faults.clear()
        self.emu.clock.advance(5)
        self.emu.tick()

    @rule(total=st.integers(100, 9000))
    def paper_attempt(self, total: int) -> None:
        sale = sale_template(total, till_id=self.till)
        clock = self.rig.ctx.clock
        a = Attempt(uuid4(), sale.sale_id, self.till, sale.total, S.PLANNED, clock.now(),
                    clock.now())
        with SqlPaymentUnitOfWorkFactory(self.paper)() as u:
            u.payments.open_sale(sale, clock.now())
            u.payments.add_attempt(a, create_key(a.attempt_id), "{}")
            u.commit()
        self.paper_attempts.append(a)

    @precondition(lambda self: bool(self.paper_attempts))
    @rule(pick=st.integers(0, 999), stale=st.booleans(),
          choices=st.lists(st.integers(0, 99), min_size=2, max_size=5))
    def stale_writers(self, pick: int, stale: bool, choices: list[int]) -> None:
        """Bare compare-and-sets from one snapshot (the first one ever taken, if ``stale``),
        each racer on its own engine."""
        first = self.paper_attempts[pick % len(self.paper_attempts)]
        with SqlPaymentUnitOfWorkFactory(self.paper)() as u:
            fresh = u.payments.get_attempt(first.attempt_id)
        assert fresh is not None
        snap = first if stale else fresh
        moves = sorted(TRANSITIONS[snap.state] | {snap.state}, key=lambda s: s.value)
        targets = [moves[c % len(moves)] for c in choices]
        engines = [migrated_engine(self.dir / "paper.sqlite3") for _ in targets]
        gate = threading.Barrier(len(targets))

        def write(i: int) -> Attempt | None:
            ctx = PaymentContext(SqlPaymentUnitOfWorkFactory(engines[i]), self.rig.gateway,
                                 self.rig.ctx.clock, self.till)
            gate.wait(timeout=10)
            return self._call("stale", lambda: ctx.move(snap, targets[i],
                                                          reason=f"stale writer {i}"))

        try:
            with ThreadPoolExecutor(len(targets)) as pool:
                results = list(pool.map(write, range(len(targets))))
        finally:
            for e in engines:
                e.dispose()
        with SqlPaymentUnitOfWorkFactory(self.paper)() as u:
            now = u.payments.get_attempt(first.attempt_id)
        assert now is not None
        for i, r in enumerate(results):  # each was told what it wrote, or what beat it
            assert r is not None, self.errors
            wrote = r.reason == f"stale writer {i}" and r.state is targets[i]
            assert wrote or r.state is not snap.state, (i, targets, r)
            TOTALS["stale_writes_refused"] += not wrote
        if fresh.state is not snap.state:
            assert now == fresh  # a snapshot that was already stale wrote nothing

    # ---- what must always hold ---------------------------------------------------------
    @invariant()
    def no_actor_failed(self) -> None:
        assert not self.errors, self.errors

    @invariant()
    def every_recorded_change_is_legal_and_nothing_comes_back(self) -> None:
        self._check_log(self.rig.db_path)
        self._check_log(self.dir / "paper.sqlite3")

    def _check_log(self, path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            log = conn.execute("SELECT attempt_id, old, new FROM test_state_log "
                               "ORDER BY seq").fetchall()
            current = dict(conn.execute("SELECT attempt_id, state FROM card_attempts"))
        finally:
            conn.close()
        TOTALS["changes_logged"] = max(TOTALS["changes_logged"], len(log))
        last: dict[str, str] = {}
        for aid, old, new in log:
            o, n = S(old), S(new)
            assert n is o or n in TRANSITIONS[o], f"illegal {o} -> {n} on {aid}"
            assert not (o in FINAL_STATES and n is not o), f"{aid} left final {o} for {n}"
            assert not (o is S.CANCELLED and n is S.PLANNED), f"{aid} resurrected"
            assert last.get(aid, o.value) == old, f"{aid}: a change from a state it was not in"
            last[aid] = new
        for aid, state in last.items():
            assert current[aid] == state, f"{aid}: the ledger lost its last change"
        for aid_s, state in current.items():
            aid = UUID(aid_s)
            if aid in self.seen_final:
                assert state == self.seen_final[aid].value, f"{aid} left {state}"
            elif S(state) in FINAL_STATES:
                self.seen_final[aid] = S(state)

    def teardown(self) -> None:
        try:
            self.emu.faults.clear()
            Recovery(self.rig.ctx, self.rig.outbox).run()
            for _ in range(3):
                items = self.rig.outbox.queue()
                if not items:
                    break
                for item in items:
                    with contextlib.suppress(TillError):
                        self.rig.outbox.retry_now(item.op_id)
                self.rig.outbox.drain()
            with self.emu.state.lock:
                intents = [dict(p) for p in self.emu.state.intents.values()]
            books = check(self.rig.db_path, intents, self.till)
            assert books.integrity == "ok" and books.double_charges == 0, books
            assert books.sales_lost == 0 and books.orphan_authorisations == 0, books
            assert books.captured_mismatch == 0, books
            self.every_recorded_change_is_legal_and_nothing_comes_back()
        finally:
            TOTALS["lost_races"] += self.lost.count
            logging.getLogger("ireti_till.payments").removeHandler(self.lost)
            logging.getLogger("ireti_till.payments").setLevel(self.log_level)
            self.rig.close()
            self.paper.dispose()
            self.emu.stop()
            shutil.rmtree(self.dir, ignore_errors=True)  # one folder per example: none kept


TransitionRace.TestCase.settings = settings(
    max_examples=25, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class TestTransitionRace(TransitionRace.TestCase):  # type: ignore[misc,valid-type]
    @classmethod
    def tearDownClass(cls) -> None:
        print("\nTRANSITION RACE SUMMARY " + json.dumps(TOTALS))
