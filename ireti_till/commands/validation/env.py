"""The throwaway till every validation case runs against.

A temporary data directory with its own ledger (``ledger.sqlite3``), secrets in a file under
it (never this computer's keyring), the payments core on the emulator (or Stripe test mode),
the staff, audit and refund services; built lazily, so a case only pays for what it uses and
a failure to build is that case's failure, not a crash.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.overrides import OverrideService
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.services.refund_ports import RefundQuote
from ireti_till.services.refunds import RefundService

S = AttemptState
TILL = "VALIDATE"


class Crash(BaseException):
    """Raised at a named fault point to stand for the process dying there."""


def sale(total: int, till: str = TILL) -> CompletedSale:
    now = datetime.now(UTC)
    m, z = Money(total, "EUR"), Money(0, "EUR")
    tax = Money(total // 6, "EUR")
    line = SaleLine(1, "VAL-1", None, "Validation item", 1, m, m, z, m, "S", tax)
    return CompletedSale(uuid4(), till, 0, "validate", now, now, "EUR", (line,),
                         (TaxLine("S", "20%", m - tax, tax, m),), (), m, z, tax, m, z, True)


@dataclass
class RefundKit:
    service: RefundService
    overrides: OverrideService
    cashier: StaffMember
    pins: dict[str, str]  # demo name -> PIN (training demo staff only)

    def approve(self, quote: RefundQuote, reason: str) -> tuple[Approval, str]:
        request = self.service.approval_request(quote, self.cashier, reason)
        who = next(m for m in self.overrides.approvers(request) if m.name in self.pins
                   and m.role is Role.SUPERVISOR)
        return self.overrides.approve(request, who.user_id, self.pins[who.name]), who.user_id


class Env:
    """One validation run's till. ``emu`` is the emulator, or None with ``--stripe-test``."""

    def __init__(self, root: Path, key: str, base_url: str | None, emu: Any | None,
                 source: Path | None = None) -> None:
        from ireti_till.adapters.db import migrate
        from ireti_till.adapters.db.engine import make_engine

        self.root = root
        self.data_dir = root / "till"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.source = source
        self.key, self.base_url, self.emu = key, base_url, emu
        self.db_path = self.data_dir / "ledger.sqlite3"
        self.engine = make_engine(self.db_path)
        migrate.upgrade(self.engine, target="heads")
        self.copied = copy_till(source, self.data_dir, self.db_path) if source else ""
        self._core: PaymentsCore | None = None
        self._kit: RefundKit | None = None
        self._staff: Any = None
        self._gateway: Any = None
        self.notes: dict[str, object] = {}
        # metric hooks (tests and benchmarks): PaymentContext(observe=), StripeGateway(on_call=)
        self.observe: Callable[[str, float, dict[str, str]], None] | None = None
        self.on_call: Callable[[str, float, str | None], None] | None = None

    @property
    def stripe_test(self) -> bool:
        return self.emu is None

    # --- lazily built parts ------------------------------------------------------------
    @property
    def gateway(self) -> Any:
        if self._gateway is None:
            from ireti_till.adapters.stripe_gateway import StripeGateway

            self._gateway = StripeGateway(self.key, base_url=self.base_url, training=True,
                                          max_network_retries=1, on_call=self.on_call)
        return self._gateway

    def make_core(self, crash: Callable[[str], None] | None = None) -> PaymentsCore:
        from ireti_till.adapters.clock import SystemClock
        from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory

        return PaymentsCore(SqlPaymentUnitOfWorkFactory(self.engine), self.gateway,
                            SystemClock(), TILL, crash=crash, observe=self.observe)

    @property
    def core(self) -> PaymentsCore:
        if self._core is None:
            from ireti_till.services.payment_port import Address

            core = self.make_core()
            loc = self.gateway.create_location(
                "Ireti validation", Address("1 Test St", "Dublin", "IE"),
                idempotency_key=f"validate-loc:{uuid4()}")
            reader = self.gateway.register_reader(
                "simulated-wpe", loc.id, label="validate",
                idempotency_key=f"validate-reader:{uuid4()}")
            core.readers.choose_reader(reader.id, loc.id)
            self._core = core
        return self._core

    @property
    def staff(self) -> Any:
        """The staff context (staff, audit, overrides) with the training demo people."""
        if self._staff is None:
            from ireti_till.adapters.clock import SystemClock
            from ireti_till.adapters.secrets import SecretStore
            from ireti_till.adapters.staff_wiring import build_staff_context

            secrets = SecretStore(self.data_dir, training=True)
            secrets.use_keyring = False
            # scrypt at a cheap cost: the cases check behaviour (who may do what, lockout,
            # salting), benchmarks/bench_pin.py checks the real cost; a throwaway pepper
            from ireti_till.adapters.pin_hash import ScryptPinHasher

            hasher = ScryptPinHasher(os.urandom(32), n=2**10, r=8)
            ctx = build_staff_context(self.engine, self.data_dir, training=True, till_id=TILL,
                                      clock=SystemClock(), secrets=secrets, hasher=hasher)
            ctx.staff.ensure_demo_staff()
            self._staff = ctx
        return self._staff

    def demo_pins(self) -> dict[str, str]:
        return {d.name: d.pin for d in self.staff.staff.demo_credentials()}

    def member(self, role: Role) -> StaffMember:
        pins = self.demo_pins()
        return next(m for m in self.staff.staff.users() if m.role is role and m.name in pins)

    def kit(self) -> RefundKit:
        if self._kit is None:
            from ireti_till.adapters.clock import SystemClock
            from ireti_till.adapters.refund_wiring import build_refund_service
            from ireti_till.domain.refund_policy import default_matrix

            ctx = self.staff
            service = build_refund_service(self.engine, ctx.audit, ctx.overrides, till_id=TILL,
                                           matrix=default_matrix("EUR"), clock=SystemClock())
            self._kit = RefundKit(service, ctx.overrides, self.member(Role.CASHIER),
                                  self.demo_pins())
        return self._kit

    # --- helpers the cases share -------------------------------------------------------
    def present(self, st: CardStatus, outcome: str, core: PaymentsCore | None = None
                ) -> CardStatus:
        core = core or self.core
        if self.emu is not None:
            core.simulate(outcome)
        else:  # Stripe test mode: the real test helper with Stripe's test card numbers
            from ireti_till.training.cards import OUTCOME_CARDS

            reader = core.readers.current_reader() or ""
            core.ctx.gateway.present_payment_method(reader, OUTCOME_CARDS[outcome])
        for _ in range(100):
            st = core.cards.poll(st.attempt_id)
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

    def intent_of(self, st: CardStatus) -> str:
        return self.core.cards._load(st.attempt_id).intent_id or ""

    def sql(self, query: str, *args: object) -> list[tuple[Any, ...]]:
        """Read the throwaway ledger directly (evidence independent of the repositories)."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return list(conn.execute(query, args).fetchall())
        finally:
            conn.close()

    def close(self) -> None:
        self.engine.dispose()


def copy_till(source: Path, data_dir: Path, db_path: Path) -> str:
    """``--data-dir``: copy that till's config.toml and its catalog into the throwaway till
    (read-only on the source). Raises ``ValueError`` when there is nothing to copy."""
    from ireti_till.domain.errors import ConfigError

    if not source.is_dir():
        raise ConfigError(f"--data-dir {source} is not a directory", code="IT-560")
    config, ledger = source / "config.toml", source / "ledger.sqlite3"
    if not config.exists() and not ledger.exists():
        raise ConfigError(f"--data-dir {source} holds no till (no config.toml, no ledger): "
                          "nothing to validate", code="IT-560")
    copied = []
    if config.exists():
        shutil.copy2(config, data_dir / "config.toml")
        copied.append("config.toml")
    if ledger.exists():
        src = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        dst = sqlite3.connect(db_path)
        try:
            mine = {r[1] for r in dst.execute("PRAGMA table_info(products)")}
            cols = [r[1] for r in src.execute("PRAGMA table_info(products)")
                    if r[1] in mine and str(r[1]).isidentifier()]  # names from the schema
            names = ", ".join(f'"{c}"' for c in cols)
            rows = src.execute(f"SELECT {names} FROM products").fetchall()  # noqa: S608
            marks = ", ".join("?" for _ in cols)
            dst.executemany(f"INSERT OR REPLACE INTO products ({names}) "  # noqa: S608
                            f"VALUES ({marks})", rows)
            dst.commit()
            copied.append(f"catalog ({len(rows)} products)")
        finally:
            src.close()
            dst.close()
    return ", ".join(copied)
