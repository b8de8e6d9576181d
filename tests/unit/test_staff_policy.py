"""PIN policy, roles and lockout (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.staff import (
    LockoutPolicy,
    LockState,
    Permission,
    PinRejected,
    Role,
    check_pin,
    ensure_not_locked,
    has_permission,
    require_permission,
    trivial_reason,
)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "pin",
    ["0000", "7777", "1234", "4321", "9012", "123456", "654321", "890123", "1212",
     "121212", "123123", "112112", "123321", "2580", "1004", "1987", "2024",
     "251290", "122590", "01011990", "19900101", "000000", "111111"],
)
def test_trivial_pins_are_refused(pin: str) -> None:
    assert trivial_reason(pin) is not None
    with pytest.raises(PinRejected) as info:
        check_pin(pin, Role.CASHIER)
    assert pin not in str(info.value)  # the message never repeats the PIN


@pytest.mark.parametrize("pin", ["4829", "7153", "5827", "394817", "860274", "51937048"])
def test_ordinary_pins_pass(pin: str) -> None:
    assert trivial_reason(pin) is None


def test_length_depends_on_role() -> None:
    check_pin("4829", Role.CASHIER)
    for role in (Role.SUPERVISOR, Role.ADMIN):
        with pytest.raises(PinRejected) as info:
            check_pin("48291", role)
        assert info.value.code == "IT-411"
    check_pin("394817", Role.SUPERVISOR)
    with pytest.raises(PinRejected):
        check_pin("3948173948171", Role.ADMIN)  # 13 digits: over the maximum


@pytest.mark.parametrize("pin", ["48 29", "48a9", "", "４８２９", "-4829"])
def test_pins_are_ascii_digits(pin: str) -> None:
    with pytest.raises(PinRejected) as info:
        check_pin(pin, Role.CASHIER)
    assert info.value.code == "IT-410"


def test_roles_are_ordered_and_permissions_follow() -> None:
    assert Role.ADMIN.at_least(Role.SUPERVISOR) and not Role.CASHIER.at_least(Role.SUPERVISOR)
    assert has_permission(Role.SUPERVISOR, Permission.APPROVE_REFUND)
    assert not has_permission(Role.CASHIER, Permission.APPROVE_OVERRIDE)
    assert not has_permission(Role.SUPERVISOR, Permission.MANAGE_USERS)
    with pytest.raises(AuthorisationError) as info:
        require_permission(Role.CASHIER, Permission.VIEW_AUDIT)
    assert info.value.code == "IT-402"


def test_lockout_policy_keeps_pci_bounds() -> None:
    with pytest.raises(ValueError):
        LockoutPolicy(max_failures=11)
    with pytest.raises(ValueError):
        LockoutPolicy(lock_for=timedelta(minutes=29))
    LockoutPolicy(max_failures=10, lock_for=None)


def test_lock_after_max_failures_then_expiry() -> None:
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=30))
    state = LockState()
    for _ in range(2):
        state = state.after_failure(policy, NOW)
        assert not state.is_locked(NOW)
    state = state.after_failure(policy, NOW)
    assert state.is_locked(NOW + timedelta(minutes=29))
    with pytest.raises(AuthorisationError) as info:
        ensure_not_locked(state, NOW)
    assert info.value.code == "IT-404"
    later = NOW + timedelta(minutes=30)
    assert not state.is_locked(later)
    # after the lock ran out, counting starts again
    assert state.after_failure(policy, later).failures == 1
    assert state.after_success() == LockState()


def test_lock_until_admin_unlocks() -> None:
    policy = LockoutPolicy(max_failures=1, lock_for=None)
    state = LockState().after_failure(policy, NOW)
    assert state.is_locked(NOW + timedelta(days=365))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10), st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=60))
def test_never_more_than_max_failures_in_a_row_without_a_lock(
    max_failures: int, events: list[tuple[bool, int]]
) -> None:
    """Whatever the order of wrong PINs, right PINs and waiting, a guesser gets at most
    ``max_failures`` tries before a 30-minute lock (PCI DSS 8.3.4)."""
    policy = LockoutPolicy(max_failures=max_failures)
    state, now = LockState(), NOW
    for wrong, minutes in events:
        now += timedelta(minutes=minutes)
        if state.is_locked(now):
            assert state.locked_until is not None and state.locked_until - now <= timedelta(
                minutes=30)
            continue  # the till refuses before checking the PIN
        if wrong:
            state = state.after_failure(policy, now)
            assert state.failures <= max_failures
            if state.failures == max_failures:
                assert state.is_locked(now) and state.is_locked(now + timedelta(minutes=29))
        else:
            state = state.after_success()
