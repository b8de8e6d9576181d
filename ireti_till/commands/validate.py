"""``ireti-till validate [--emulator | --stripe-test]``: the staging checklist, headless.

Runs every payment path a till must handle, on a throwaway ledger, and prints a pass/fail
table; exits 1 if anything failed (2 on bad usage). ``--emulator`` (the default) starts the
built-in Stripe emulator; ``--stripe-test`` uses Stripe's test mode with the key in
``IRETI_STRIPE_TEST_KEY`` and a simulated reader (live keys are refused, always).

Checks: cash sale; approved card (captured); each decline (generic, insufficient funds,
expired, lost) followed by another card on the same PaymentIntent; customer cancels on
the reader; reader times out; offline then reconnect (card off with a reason, cash on,
back by itself); capture that fails is queued and drained; crash after authorisation
recovered at restart; card refunds through the refund service (a partial refund above the
cashier's limit refused without, then accepted with, a supervisor's approval; the rest; the
outbox sends both and Stripe holds exactly those two, also after a replay; one cent more
refused locally, nothing sent); a cash refund paid from the drawer with no Stripe call.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.refund_policy import LegAction
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.overrides import OverrideService
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.services.refund_ports import LegState, RefundQuote
from ireti_till.services.refunds import RefundRequest, RefundService

S = AttemptState
LIVE_PREFIXES = ("sk_live_", "rk_live_")


@dataclass
class Row:
    check: str
    result: str  # PASS | FAIL | N/A
    detail: str = ""


class Crash(BaseException):
    pass


@dataclass
class RefundKit:
    """The refund service on the validation ledger, a demo cashier and the demo PINs."""

    service: RefundService
    overrides: OverrideService
    cashier: StaffMember
    pins: dict[str, str]  # demo name -> PIN (training demo staff only)

    def approve(self, quote: RefundQuote, reason: str) -> tuple[Approval, str]:
        request = self.service.approval_request(quote, self.cashier, reason)
        who = next(m for m in self.overrides.approvers(request) if m.name in self.pins
                   and m.role is Role.SUPERVISOR)
        return self.overrides.approve(request, who.user_id, self.pins[who.name]), who.user_id


def sale(total: int, till: str = "VALIDATE") -> CompletedSale:
    now = datetime.now(UTC)
    m, z = Money(total, "EUR"), Money(0, "EUR")
    tax = Money(total // 6, "EUR")
    line = SaleLine(1, "VAL-1", None, "Validation item", 1, m, m, z, m, "S", tax)
    return CompletedSale(uuid4(), till, 0, "validate", now, now, "EUR", (line,),
                         (TaxLine("S", "20%", m - tax, tax, m),), (), m, z, tax, m, z, True)


class Checklist:
    def __init__(self, core_factory: Callable[..., PaymentsCore], emulator: Any | None) -> None:
        self.make_core = core_factory
        self.core = core_factory()
        self.emu = emulator
        self.rows: list[Row] = []
        self.refund_factory: Callable[[], RefundKit] | None = None
        self._kit: RefundKit | None = None

    def kit(self) -> RefundKit:
        """The refund service, built on first use (inside a check: a failure is a row)."""
        if self._kit is None:
            assert self.refund_factory is not None, "no refund service wired"
            self._kit = self.refund_factory()
        return self._kit

    def run(self, name: str, fn: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            detail = fn()
            result = "N/A" if detail.startswith("n/a") else "PASS"
        except Exception as exc:  # noqa: BLE001 - a failed check is a row, not a crash
            result, detail = "FAIL", f"{type(exc).__name__}: {exc}"
        self.rows.append(Row(name, result, f"{detail} ({time.perf_counter() - started:.2f} s)"))

    # ---- helpers ----------------------------------------------------------------------
    def present(self, st: CardStatus, outcome: str) -> CardStatus:
        if self.emu is not None:
            self.core.simulate(outcome)
        else:  # Stripe test mode: the real test helper with Stripe's test card numbers
            from ireti_till.training.cards import OUTCOME_CARDS

            reader = self.core.readers.current_reader() or ""
            self.core.ctx.gateway.present_payment_method(reader, OUTCOME_CARDS[outcome])
        for _ in range(100):
            st = self.core.cards.poll(st.attempt_id)
            if st.settled:
                return st
            if self.emu is not None:
                self.emu.clock.advance(1)
        raise AssertionError(f"the reader never settled after {outcome}")

    def card_sale(self, outcomes: list[str], total: int = 1250) -> CardStatus:
        s = sale(total)
        self.core.tender.begin(s)
        st = self.core.cards.start(s.sale_id)
        for i, outcome in enumerate(outcomes):
            if i:
                st = self.core.cards.try_again(st.attempt_id)
            st = self.present(st, outcome)
        return st

    # ---- checks -----------------------------------------------------------------------
    def cash(self) -> str:
        s = sale(990)
        self.core.tender.begin(s)
        prog = self.core.tender.pay_cash(s.sale_id, Money(2000, "EUR"))
        assert prog.completed and prog.change == Money(1010, "EUR"), prog
        return f"receipt {prog.receipt_no}, change {prog.change.format()}"

    def approve(self) -> str:
        st = self.card_sale(["approve"])
        assert st.state is S.CAPTURED and st.sale_completed, st
        return f"{st.card_brand} {st.card_last4} captured"

    def decline(self, outcome: str) -> Callable[[], str]:
        def check() -> str:
            s = sale(700)
            self.core.tender.begin(s)
            st = self.present(self.core.cards.start(s.sale_id), outcome)
            assert st.state is S.DECLINED, st
            shown = f"{st.decline_code} -> {st.error_code}"
            first = self.core.cards._load(st.attempt_id).intent_id
            st = self.present(self.core.cards.try_again(st.attempt_id), "approve")
            assert st.state is S.CAPTURED, st
            assert self.core.cards._load(st.attempt_id).intent_id == first
            return f"{shown}; next card approved on the same PaymentIntent"
        return check

    def stop(self, outcome: str) -> Callable[[], str]:
        def check() -> str:
            if self.emu is None:
                return "n/a with --stripe-test (emulator-only reader outcome)"
            st = self.card_sale([outcome])
            assert st.state is S.INTENT_CREATED, st
            shown = st.message
            st = self.core.cards.abandon(st.attempt_id, "validation")
            assert st.state is S.CANCELLED, st
            return f"shown: {shown!r}; PaymentIntent cancelled"
        return check

    def offline(self) -> str:
        if self.emu is None:
            return "n/a with --stripe-test (needs the emulator to unplug the reader)"
        reader = self.core.readers.current_reader() or ""
        assert self.core.connectivity.check()[0].card_enabled
        self.emu.simulate.set_status(reader, "offline")
        state, _ = self.core.connectivity.check()
        assert not state.card_enabled and state.reason, state
        self.cash()
        self.emu.simulate.set_status(reader, "online")
        state, came_back = self.core.connectivity.check()
        assert state.card_enabled and came_back, state
        return f"card off ({state.code or 'IT-321'}), cash worked, card back by itself"

    def capture_queue(self) -> str:
        if self.emu is None:
            return "n/a with --stripe-test (needs an injected capture failure)"
        self.emu.faults.script("http_500", path="/capture$", count=1)
        st = self.card_sale(["approve"])
        assert st.state is S.AUTHORISED and st.sale_completed, st
        queued = self.core.queue_summary().count
        for item in self.core.queue_summary().items:
            self.core.outbox.retry_now(item.op_id)
        self.core.outbox.drain()
        assert self.core.cards.poll(st.attempt_id).state is S.CAPTURED
        assert self.core.queue_summary().count == 0
        return f"{queued} capture queued, then drained"

    # ---- refunds through the refund service -------------------------------------------
    def _refunds_at_stripe(self, intent_id: str) -> list[tuple[int, str]]:
        found = self.core.ctx.gateway.list_refunds(intent_id)
        return sorted((r.amount_minor, r.metadata.get("refund_id", "")) for r in found
                      if r.status not in ("failed", "canceled"))

    def card_refunds(self) -> str:
        """A captured card sale: a partial refund above the cashier's limit (a supervisor
        approves), then the rest; the outbox sends both; Stripe holds exactly those two; one
        more cent is refused locally and nothing more is sent."""
        kit = self.kit()
        svc, cashier = kit.service, kit.cashier
        st = self.card_sale(["approve"], total=8000)
        assert st.state is S.CAPTURED, st
        intent = self.core.cards._load(st.attempt_id).intent_id or ""
        sale_id = self.core.cards._load(st.attempt_id).sale_id
        partial = RefundRequest(sale_id, Money(6000, "EUR"))
        quote = svc.quote(partial, cashier)
        assert quote.needs_approval, f"60.00 by a cashier should need approval: {quote}"
        try:
            svc.refund(partial, "validation: partial", cashier)
        except TillError as exc:
            refused = exc.code
        else:
            raise AssertionError("a refund above the cashier's limit went through unapproved")
        approval, supervisor = kit.approve(quote, "validation: partial")
        first = svc.refund(partial, "validation: partial", cashier, approval)
        assert first.approver_id == supervisor, first
        assert self._refunds_at_stripe(intent) == [], "sent before the outbox ran"
        self.core.outbox.drain()
        rest = svc.refund(RefundRequest(sale_id, Money(2000, "EUR")), "validation: rest",
                          cashier)
        self.core.outbox.drain()
        legs = [*first.legs, *rest.legs]
        for leg in legs:  # a replay of a finished leg sends nothing new
            assert leg.op_id is not None and leg.action is LegAction.CARD_REFUND, leg
            self.core.outbox.run(leg.op_id)
        states = [leg.state for r in (first, rest) for leg in svc.get(r.refund_id).legs]
        assert states == [LegState.SUCCEEDED] * 2, states
        want = sorted([(6000, str(first.legs[0].leg_id)), (2000, str(rest.legs[0].leg_id))])
        assert self._refunds_at_stripe(intent) == want, self._refunds_at_stripe(intent)
        try:
            svc.refund(RefundRequest(sale_id, Money(1, "EUR")), "validation: over", cashier)
        except TillError as exc:
            over = exc.code
        else:
            raise AssertionError("an over-refund was accepted")
        self.core.outbox.drain()
        assert self._refunds_at_stripe(intent) == want, "something more was sent"
        return (f"60.00 refused unapproved ({refused}), approved by a supervisor, then the "
                f"remaining 20.00: Stripe holds exactly those 2; 0.01 more refused ({over})")

    def cash_refund(self) -> str:
        kit = self.kit()
        s = sale(990)
        self.core.tender.begin(s)
        assert self.core.tender.pay_cash(s.sale_id, Money(990, "EUR")).completed
        before = self.core.queue_summary().count
        rec = kit.service.refund(RefundRequest(s.sale_id, Money(990, "EUR")),
                                 "validation: cash", kit.cashier)
        got = [(leg.action, leg.state) for leg in rec.legs]
        assert got == [(LegAction.CASH_OUT, LegState.PAID)], got
        assert self.core.queue_summary().count == before, "a cash refund queued a call"
        return f"refund {rec.code}: 9.90 paid from the drawer, no Stripe call"

    def crash(self) -> str:
        def hook(point: str) -> None:
            if point == "auth.seen":  # authorised at Stripe, nothing stored locally yet
                raise Crash(point)
        crashing = self.make_core(crash=hook)
        s = sale(1500)
        crashing.tender.begin(s)
        st = crashing.cards.start(s.sale_id)
        crashing.simulate("approve")
        try:
            for _ in range(50):
                st = crashing.cards.poll(st.attempt_id)
        except Crash:
            pass
        else:
            raise AssertionError("the crash point was never reached")
        restarted = self.make_core()
        report = restarted.recovery.run()
        final = restarted.cards.poll(st.attempt_id)
        assert final.state is S.CAPTURED and final.sale_completed, final
        return f"recovered {report.examined} attempt(s): sale completed and captured"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till validate", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--emulator", action="store_true", help="built-in emulator (default)")
    mode.add_argument("--stripe-test", action="store_true", help="Stripe test mode")
    parser.add_argument("--data-dir", help="ignored: validation uses a throwaway ledger")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    emu = None
    if args.stripe_test:
        key = os.environ.get("IRETI_STRIPE_TEST_KEY", "")
        if key.startswith(LIVE_PREFIXES):
            print("validate refuses live keys: use a test key (sk_test_/rk_test_) (IT-350)",
                  file=sys.stderr)
            return 2
        if not key.startswith(("sk_test_", "rk_test_")):
            print("set IRETI_STRIPE_TEST_KEY to a Stripe test key (IT-340)", file=sys.stderr)
            return 2
        base_url = None
    else:
        from ireti_till.training.server import Emulator, EmulatorConfig

        emu = Emulator.start(EmulatorConfig(rate_limit=None))
        key, base_url = emu.api_key, emu.base_url
    try:
        with tempfile.TemporaryDirectory(prefix="ireti-validate-") as tmp:
            rows = _run(Path(tmp), key, base_url, emu)
    finally:
        if emu is not None:
            emu.stop()
    width = max(len(r.check) for r in rows)
    print(f"{'check':<{width}}  result  detail")
    for r in rows:
        print(f"{r.check:<{width}}  {r.result:<6}  {r.detail}")
    failed = sum(r.result == "FAIL" for r in rows)
    print(f"\n{len(rows) - failed}/{len(rows)} checks passed or not applicable; "
          f"{failed} failed")
    return 1 if failed else 0


def _run(tmp: Path, key: str, base_url: str | None, emu: Any) -> list[Row]:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db import migrate
    from ireti_till.adapters.db.engine import make_engine
    from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from ireti_till.services.payment_port import Address

    engine = make_engine(tmp / "validate.sqlite3")
    migrate.upgrade(engine, target="heads")
    gateway = StripeGateway(key, base_url=base_url, training=True, max_network_retries=1)
    uow = SqlPaymentUnitOfWorkFactory(engine)

    def factory(crash: Callable[[str], None] | None = None) -> PaymentsCore:
        return PaymentsCore(uow, gateway, SystemClock(), "VALIDATE", crash=crash)

    core = factory()
    loc = gateway.create_location("Ireti validation", Address("1 Test St", "Dublin", "IE"),
                                  idempotency_key=f"validate-loc:{uuid4()}")
    reader = gateway.register_reader("simulated-wpe", loc.id, label="validate",
                                     idempotency_key=f"validate-reader:{uuid4()}")
    core.readers.choose_reader(reader.id, loc.id)
    c = Checklist(factory, emu)
    c.core = core
    c.run("cash sale", c.cash)
    c.run("approved card", c.approve)
    for outcome in ("decline", "insufficient_funds", "expired", "lost_card"):
        c.run(f"decline: {outcome}", c.decline(outcome))
    c.run("customer cancels", c.stop("customer_cancels"))
    c.run("reader times out", c.stop("reader_timeout"))
    c.run("offline then reconnect", c.offline)
    c.run("capture queued and drained", c.capture_queue)
    c.run("crash recovery", c.crash)
    c.refund_factory = lambda: _refund_kit(engine, tmp)
    c.run("partial and full card refund (approval, outbox)", c.card_refunds)
    c.run("cash refund", c.cash_refund)
    engine.dispose()
    return c.rows


def _refund_kit(engine: Any, tmp: Path) -> RefundKit:
    """Staff (training demo people), audit and overrides on the throwaway ledger; secrets in
    a throwaway file under ``tmp`` (never this computer's keyring: validation must not read
    or write a real till's secrets)."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.refund_wiring import build_refund_service
    from ireti_till.adapters.secrets import SecretStore
    from ireti_till.adapters.staff_wiring import build_staff_context
    from ireti_till.domain.refund_policy import default_matrix

    clock = SystemClock()
    secrets = SecretStore(tmp, training=True)
    secrets.use_keyring = False
    staff = build_staff_context(engine, tmp, training=True, till_id="VALIDATE", clock=clock,
                                secrets=secrets)
    staff.staff.ensure_demo_staff()
    pins = {d.name: d.pin for d in staff.staff.demo_credentials()}
    cashier = next(m for m in staff.staff.users() if m.role is Role.CASHIER and m.name in pins)
    service = build_refund_service(engine, staff.audit, staff.overrides, till_id="VALIDATE",
                                   matrix=default_matrix("EUR"), clock=clock)
    return RefundKit(service, staff.overrides, cashier, pins)
