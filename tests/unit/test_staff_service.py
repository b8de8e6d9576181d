"""Staff service logic with in-memory fakes."""

from __future__ import annotations

import pytest
from test_staff_fakes import world

from ireti_till.domain.errors import AuthorisationError, NotFoundError
from ireti_till.domain.staff import PinRejected, Role


def test_pin_only_tries_every_active_user_and_failure_is_audited_without_the_pin() -> None:
    w = world()
    before = w.hasher.verifications
    with pytest.raises(AuthorisationError):
        w.staff.sign_in("5555")
    assert w.hasher.verifications - before == 4
    row = w.store.audit[-1]
    assert row.kind == "sign_in_failed" and "5555" not in row.details


def test_pin_alone_finds_the_person() -> None:
    w = world()
    assert w.staff.sign_in("7153") == w.user("Tunde")


def test_unknown_user() -> None:
    w = world()
    with pytest.raises(NotFoundError):
        w.staff.sign_in("4829", "nobody")


def test_role_change_needs_longer_pin_for_new_supervisor() -> None:
    w = world()
    admin = w.user("Chidi")
    with pytest.raises(PinRejected):
        w.staff.add_user(admin, "Kemi Super", Role.SUPERVISOR, "5827")
    kemi = w.staff.add_user(admin, "Kemi Super", Role.SUPERVISOR, "582714")
    assert w.staff.sign_in("582714", kemi.user_id) == kemi


def test_trivial_pin_refused_on_reset() -> None:
    w = world()
    with pytest.raises(PinRejected) as info:
        w.staff.reset_pin(w.user("Chidi"), w.user("Ada").user_id, "1234")
    assert info.value.code == "IT-412"


def test_pin_collision_is_audited_for_follow_up() -> None:
    w = world()
    with pytest.raises(PinRejected):
        w.staff.add_user(w.user("Chidi"), "Efe", Role.CASHIER, "4829")
    assert w.kinds()[-1] == "pin_collision"


def test_cashier_cannot_manage_users() -> None:
    w = world()
    with pytest.raises(AuthorisationError) as info:
        w.staff.add_user(w.user("Ada"), "Efe", Role.CASHIER, "5827")
    assert info.value.code == "IT-402"


def test_sign_out_is_audited() -> None:
    w = world()
    w.staff.sign_out(w.user("Ada"), reason="idle")
    assert w.kinds()[-1] == "sign_out" and w.audit.verify().ok
