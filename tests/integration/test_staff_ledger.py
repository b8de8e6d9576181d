"""Staff on a real ledger: sign-in, lockout that survives a restart, users, uniqueness."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.domain.errors import AuthorisationError, TillError
from ireti_till.domain.staff import LockoutPolicy, PinRejected, Role
from ireti_till.services.staff_ports import AuditFilter


@pytest.fixture
def engine(data_dir: Path):
    engine = migrated_engine(data_dir)
    yield engine
    engine.dispose()


def test_training_demo_staff_sign_in_by_name_or_pin_alone(engine, data_dir: Path) -> None:
    ctx = context(engine, data_dir, FakeClock())
    added = ctx.staff.ensure_demo_staff()
    assert {m.role for m in added} == {Role.CASHIER, Role.SUPERVISOR, Role.ADMIN}
    assert ctx.staff.ensure_demo_staff() == []  # only once
    creds = ctx.staff.demo_credentials()
    ada = next(m for m in added if m.name.startswith("Ada"))
    assert ctx.staff.sign_in(creds[0].pin, ada.user_id) == ada
    chidi = ctx.staff.sign_in("860274")  # PIN alone identifies the person
    assert chidi.role is Role.ADMIN
    kinds = [e.kind for e in ctx.audit.search(AuditFilter())]
    assert kinds.count("sign_in") == 2


def test_live_mode_shows_no_demo_pins_and_needs_first_admin(engine, data_dir: Path) -> None:
    ctx = context(engine, data_dir, FakeClock(), training=False)
    assert ctx.staff.demo_credentials() == () and ctx.staff.ensure_demo_staff() == []
    assert ctx.staff.needs_first_admin()
    with pytest.raises(PinRejected):
        ctx.staff.create_first_admin("Grace Admin", "1234")  # too short for an admin
    admin = ctx.staff.create_first_admin("Grace Admin", "860274")
    assert not ctx.staff.needs_first_admin()
    with pytest.raises(AuthorisationError):
        ctx.staff.create_first_admin("Mallory", "394817")
    assert ctx.staff.sign_in("860274") == admin


def test_wrong_pin_then_lockout_survives_restart(engine, data_dir: Path) -> None:
    clock = FakeClock()
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=30))
    ctx = context(engine, data_dir, clock, lockout=policy)
    ctx.staff.ensure_demo_staff()
    ada = next(m for m in ctx.staff.users() if m.name.startswith("Ada"))
    for _ in range(3):
        with pytest.raises(AuthorisationError) as info:
            ctx.staff.sign_in("1111", ada.user_id)
        assert info.value.code == "IT-401"
    # "restart": a new engine and new services on the same data directory
    engine.dispose()
    engine2 = migrated_engine(data_dir)
    ctx2 = context(engine2, data_dir, clock, lockout=policy)
    with pytest.raises(AuthorisationError) as info:
        ctx2.staff.sign_in("4829", ada.user_id)  # even the right PIN
    assert info.value.code == "IT-404"
    clock.advance(minutes=31)
    assert ctx2.staff.sign_in("4829", ada.user_id) == ada
    assert ctx2.staff.lock_state(ada.user_id).failures == 0
    engine2.dispose()


def test_admin_unlocks_and_audit_records_it(engine, data_dir: Path) -> None:
    clock = FakeClock()
    ctx = context(engine, data_dir, clock, lockout=LockoutPolicy(max_failures=1, lock_for=None))
    ctx.staff.ensure_demo_staff()
    users = {m.name.split()[0]: m for m in ctx.staff.users()}
    with pytest.raises(AuthorisationError):
        ctx.staff.sign_in("0000", users["Tunde"].user_id)
    clock.advance(days=30)
    with pytest.raises(AuthorisationError) as info:
        ctx.staff.sign_in("7153", users["Tunde"].user_id)
    assert info.value.code == "IT-404"
    with pytest.raises(AuthorisationError):
        ctx.staff.unlock(users["Bola"], users["Tunde"].user_id)  # supervisors cannot
    ctx.staff.unlock(users["Chidi"], users["Tunde"].user_id)
    assert ctx.staff.sign_in("7153", users["Tunde"].user_id) == users["Tunde"]
    assert ctx.audit.verify().ok


def test_pin_only_failures_lock_the_till_not_a_person(engine, data_dir: Path) -> None:
    clock = FakeClock()
    ctx = context(engine, data_dir, clock, lockout=LockoutPolicy(max_failures=2))
    ctx.staff.ensure_demo_staff()
    for _ in range(2):
        with pytest.raises(AuthorisationError):
            ctx.staff.sign_in("5555")
    with pytest.raises(AuthorisationError) as info:
        ctx.staff.sign_in("4829")
    assert info.value.code == "IT-404" and "choose your name" in info.value.message
    ada = next(m for m in ctx.staff.users() if m.name.startswith("Ada"))
    assert ctx.staff.sign_in("4829", ada.user_id) == ada  # by name still works


def test_disabled_user_cannot_sign_in_and_last_admin_stays(engine, data_dir: Path) -> None:
    ctx = context(engine, data_dir, FakeClock())
    ctx.staff.ensure_demo_staff()
    users = {m.name.split()[0]: m for m in ctx.staff.users()}
    admin = users["Chidi"]
    ctx.staff.set_active(admin, users["Ada"].user_id, False)
    with pytest.raises(AuthorisationError) as info:
        ctx.staff.sign_in("4829", users["Ada"].user_id)
    assert info.value.code == "IT-403"
    with pytest.raises(AuthorisationError):
        ctx.staff.sign_in("4829")  # PIN-only ignores disabled users
    with pytest.raises(AuthorisationError):
        ctx.staff.set_active(admin, admin.user_id, False)
    with pytest.raises(AuthorisationError):
        ctx.staff.set_active(users["Bola"], users["Tunde"].user_id, False)  # not an admin
    ctx.staff.set_active(admin, users["Ada"].user_id, True)
    assert ctx.staff.sign_in("4829", users["Ada"].user_id).active


def test_each_pin_identifies_one_person(engine, data_dir: Path) -> None:
    ctx = context(engine, data_dir, FakeClock())
    ctx.staff.ensure_demo_staff()
    admin = next(m for m in ctx.staff.users() if m.role is Role.ADMIN)
    with pytest.raises(PinRejected) as info:
        ctx.staff.add_user(admin, "Efe Cashier", Role.CASHIER, "7153")  # Tunde's PIN
    assert info.value.code == "IT-414"
    efe = ctx.staff.add_user(admin, "Efe Cashier", Role.CASHIER, "5827")
    with pytest.raises(PinRejected):
        ctx.staff.reset_pin(admin, efe.user_id, "4829")  # Ada's
    ctx.staff.reset_pin(admin, efe.user_id, "6093")
    assert ctx.staff.sign_in("6093") == efe
    ctx.staff.change_own_pin(efe, "6093", "3718")
    with pytest.raises(AuthorisationError):
        ctx.staff.sign_in("6093", efe.user_id)
    # the stored hash is not the PIN and not reversible: no PIN digits in the row
    with engine.connect() as conn:
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT pin_hash FROM staff_users")]
    assert all(h.startswith("scrypt$") and "3718" not in h for h in hashes)


def test_bad_names_refused(engine, data_dir: Path) -> None:
    ctx = context(engine, data_dir, FakeClock())
    ctx.staff.ensure_demo_staff()
    admin = next(m for m in ctx.staff.users() if m.role is Role.ADMIN)
    for name in ("", "x", "\x00\x00\x00", "n" * 65):
        with pytest.raises(TillError):
            ctx.staff.add_user(admin, name, Role.CASHIER, "5827")


def test_training_staff_never_sign_in_on_a_live_till(engine, data_dir: Path) -> None:
    training = context(engine, data_dir, FakeClock())
    training.staff.ensure_demo_staff()
    live = context(engine, data_dir, FakeClock(), training=False)
    ada = next(m for m in live.staff.users() if m.name.startswith("Ada"))
    with pytest.raises(AuthorisationError) as info:
        live.staff.sign_in("4829", ada.user_id)
    assert info.value.code == "IT-407"
    with pytest.raises(AuthorisationError) as info:
        live.staff.sign_in("4829")  # PIN alone skips training staff on a live till
    assert info.value.code == "IT-401"


def test_training_data_dir_going_live_asks_for_a_real_admin(engine, data_dir: Path) -> None:
    context(engine, data_dir, FakeClock()).staff.ensure_demo_staff()
    live = context(engine, data_dir, FakeClock(), training=False)
    assert live.staff.needs_first_admin()
    admin = live.staff.create_first_admin("Grace Admin", "517394")
    assert not live.staff.needs_first_admin()
    assert live.staff.sign_in("517394") == admin
