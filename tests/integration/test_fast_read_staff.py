"""The stdlib staff list (fast_read_staff) agrees with the SQLAlchemy staff repository, and
EarlyStaffService serves the sign-in screen before the ledger is open, then hands over.

A PIN submitted before the hand-over waits (on its helper thread) for the real service and
is checked by it; a ledger that failed to open refuses the sign-in with its error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ireti_till.adapters.db.fast_read import FastReads
from ireti_till.adapters.db.fast_read_staff import FastStaffReads
from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.domain.errors import LedgerError, TillError
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.staff import DEMO_STAFF, StaffService
from ireti_till.services.staff_early import EarlyStaffService


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    ledger = open_ledger(data_dir)
    yield ledger
    ledger.close()


@pytest.fixture
def reads(ledger: Ledger) -> Iterator[FastReads]:
    fast = FastReads(ledger.path)
    yield fast
    fast.close()


def _staff(ledger: Ledger, data_dir: Path, training: bool = True) -> StaffService:
    return build_staff_context(ledger.engine, data_dir, training=training, till_id="T01",
                               clock=FixedClock()).staff


def _sql_members(ledger: Ledger, include_inactive: bool) -> list[StaffMember]:
    with SqlStaffUnitOfWorkFactory(ledger.engine, read_only=True)() as uow:
        return uow.staff.members(include_inactive)


def test_the_staff_list_agrees_with_the_repository(ledger: Ledger, reads: FastReads,
                                                    data_dir: Path) -> None:
    fast = FastStaffReads(reads)
    assert fast.members() == [] and fast.count() == 0
    staff = _staff(ledger, data_dir)
    demo = staff.ensure_demo_staff()
    admin = next(m for m in demo if m.role is Role.ADMIN)
    staff.add_user(admin, "zoë Late", Role.CASHIER, "5190")
    staff.add_user(admin, "Émile", Role.SUPERVISOR, "731946")
    gone = staff.add_user(admin, "Gone Away", Role.CASHIER, "6402")
    staff.set_active(admin, gone.user_id, False)
    for include_inactive in (True, False):
        expected = _sql_members(ledger, include_inactive)
        assert fast.members(include_inactive) == expected
    assert fast.count() == 7 and len(fast.members(False)) == 6
    assert [m.role for m in fast.members()][:2] == [Role.ADMIN, Role.SUPERVISOR]


def test_early_service_answers_the_sign_in_screen_before_the_ledger(
        ledger: Ledger, reads: FastReads, data_dir: Path) -> None:
    real = _staff(ledger, data_dir)
    real.ensure_demo_staff()
    early = EarlyStaffService(FastStaffReads(reads), training=True, till_id="T01")
    assert not early.attached
    assert early.users(include_inactive=False) == real.users(include_inactive=False)
    assert early.needs_first_admin() is real.needs_first_admin() is False
    assert early.demo_credentials() == DEMO_STAFF
    live = EarlyStaffService(FastStaffReads(reads), training=False, till_id="T01")
    assert live.needs_first_admin() is True  # only demo staff: a live till needs an admin
    assert live.demo_credentials() == ()


def test_a_pin_typed_before_the_hand_over_waits_and_is_checked(
        ledger: Ledger, reads: FastReads, data_dir: Path) -> None:
    real = _staff(ledger, data_dir)
    real.ensure_demo_staff()
    early = EarlyStaffService(FastStaffReads(reads), training=True, till_id="T01")
    results: list[object] = []
    asking = threading.Event()

    def sign_in(pin: str) -> None:  # as the sign-in screen's PinCheck helper thread
        asking.set()
        try:
            results.append(early.sign_in(pin))
        except TillError as exc:
            results.append(exc.code)

    worker = threading.Thread(target=sign_in, args=(DEMO_STAFF[0].pin,))
    worker.start()
    assert asking.wait(timeout=30)
    early.attach(real)
    worker.join(timeout=30)
    [member] = results
    assert isinstance(member, StaffMember) and member.name == DEMO_STAFF[0].name
    wrong = threading.Thread(target=sign_in, args=("0000",))
    wrong.start()
    wrong.join(timeout=30)
    assert isinstance(results[1], str) and results[1].startswith("IT-4")  # refused by real
    assert early.users() == real.users()


def test_a_ledger_that_failed_to_open_refuses_sign_in(reads: FastReads) -> None:
    early = EarlyStaffService(FastStaffReads(reads), training=True, till_id="T01")
    early.fail(LedgerError("disk gone", code="IT-203"))
    with pytest.raises(LedgerError) as caught:
        early.sign_in("4829")
    assert caught.value.code == "IT-203"
    waiting = EarlyStaffService(FastStaffReads(reads), training=True, till_id="T01",
                                wait_seconds=0.01)
    with pytest.raises(LedgerError) as slow:
        waiting.sign_in("4829")
    assert slow.value.code == "IT-206"
