"""Staff, PINs, lockout and overrides: who may do what, and what a wrong PIN costs."""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable

from ireti_till.commands.validation.case import Case, Category
from ireti_till.commands.validation.env import Env
from ireti_till.domain.errors import TillError
from ireti_till.domain.overrides import OverrideKind
from ireti_till.domain.staff import Role, StaffMember, trivial_reason

CATEGORY = Category("staff", "Staff, PINs, lockout and overrides", 60,
                    "Signing in by PIN, the PIN policy, lockout after wrong PINs and unlock by "
                    "an administrator, what each role may do, and supervisor overrides.")


def _code(fn: Callable[[], object]) -> str:
    try:
        fn()
    except TillError as exc:
        return exc.code
    raise AssertionError("it was accepted")


def _pin() -> str:
    """A random 8-digit PIN the policy accepts (not a run, a repeat, a date, a common PIN)."""
    while True:
        pin = f"{_random.randbelow(10**8):08d}"
        if len(set(pin)) > 4 and trivial_reason(pin) is None:
            return pin


def _wrong(pin: str) -> str:
    """``pin`` with its first digit changed: a wrong PIN for the same user."""
    return ("9" if pin[0] != "9" else "8") + pin[1:]


def _new_user(env: Env, role: Role = Role.CASHIER) -> tuple[StaffMember, str]:
    admin = env.member(Role.ADMIN)
    pin = _pin()
    user = env.staff.staff.add_user(admin, f"Val {pin[:4]}", role, pin)
    return user, pin


def sign_in_ok(env: Env) -> str:
    who = env.member(Role.CASHIER)
    got = env.staff.staff.sign_in(env.demo_pins()[who.name], who.user_id)
    assert got.user_id == who.user_id and got.role is Role.CASHIER, got
    return f"{got.name} signed in as {got.role.value}"


def wrong_pin(env: Env) -> str:
    user, pin = _new_user(env)
    code = _code(lambda: env.staff.staff.sign_in(_wrong(pin), user.user_id))
    return f"wrong PIN refused ({code})"


def lockout(env: Env) -> str:
    user, pin = _new_user(env)
    wrong = _wrong(pin)
    codes = [_code(lambda: env.staff.staff.sign_in(wrong, user.user_id)) for _ in range(5)]
    locked = _code(lambda: env.staff.staff.sign_in(pin, user.user_id))
    assert env.staff.staff.lock_state(user.user_id).locked_until is not None or locked, codes
    return f"5 wrong PINs ({codes[-1]}), then even the right PIN refused ({locked})"


def unlock(env: Env) -> str:
    user, pin = _new_user(env)
    wrong = _wrong(pin)
    for _ in range(5):
        _code(lambda: env.staff.staff.sign_in(wrong, user.user_id))
    env.staff.staff.unlock(env.member(Role.ADMIN), user.user_id)
    got = env.staff.staff.sign_in(pin, user.user_id)
    assert got.user_id == user.user_id
    return "an administrator unlocked the account; the right PIN works again"


def cashier_cannot_add(env: Env) -> str:
    code = _code(lambda: env.staff.staff.add_user(env.member(Role.CASHIER), "Nope",
                                                  Role.CASHIER, _pin()))
    return f"a cashier adding a user is refused ({code})"


def supervisor_cannot_add_admin(env: Env) -> str:
    code = _code(lambda: env.staff.staff.add_user(env.member(Role.SUPERVISOR), "Nope",
                                                  Role.ADMIN, _pin()))
    return f"a supervisor creating an administrator is refused ({code})"


def common_pin(env: Env) -> str:
    code = _code(lambda: env.staff.staff.add_user(env.member(Role.ADMIN), "Weak",
                                                  Role.SUPERVISOR, "123456"))
    return f"a common PIN (123456) is refused ({code})"


def short_pin(env: Env) -> str:
    code = _code(lambda: env.staff.staff.add_user(env.member(Role.ADMIN), "Short",
                                                  Role.SUPERVISOR, "4917"))
    return f"a 4-digit supervisor PIN is refused ({code})"


def disabled_user(env: Env) -> str:
    user, pin = _new_user(env)
    env.staff.staff.set_active(env.member(Role.ADMIN), user.user_id, False)
    code = _code(lambda: env.staff.staff.sign_in(pin, user.user_id))
    return f"a disabled user cannot sign in ({code})"


def change_own_pin(env: Env) -> str:
    user, pin = _new_user(env)
    new = _pin()
    env.staff.staff.change_own_pin(user, pin, new)
    assert env.staff.staff.sign_in(new, user.user_id).user_id == user.user_id
    code = _code(lambda: env.staff.staff.sign_in(pin, user.user_id))
    return f"new PIN works, the old one is refused ({code})"


def override_by_supervisor(env: Env) -> str:
    cashier, sup = env.member(Role.CASHIER), env.member(Role.SUPERVISOR)
    req = env.staff.overrides.request(OverrideKind.PRICE_OVERRIDE, cashier, "validation")
    approval = env.staff.overrides.approve(req, sup.user_id, env.demo_pins()[sup.name])
    assert approval.approver_id == sup.user_id, approval
    return f"price override approved by {sup.name} with their PIN"


def override_not_by_cashier(env: Env) -> str:
    cashier = env.member(Role.CASHIER)
    other = next(m for m in env.staff.staff.users() if m.role is Role.CASHIER
                 and m.user_id != cashier.user_id and m.name in env.demo_pins())
    req = env.staff.overrides.request(OverrideKind.PRICE_OVERRIDE, cashier, "validation")
    code = _code(lambda: env.staff.overrides.approve(req, other.user_id,
                                                      env.demo_pins()[other.name]))
    return f"another cashier cannot approve an override ({code})"


CASES = [
    Case("STF-01", "A cashier signs in with their PIN", sign_in_ok),
    Case("STF-02", "A wrong PIN is refused", wrong_pin),
    Case("STF-03", "Five wrong PINs lock the account, even against the right PIN", lockout),
    Case("STF-04", "An administrator unlocks a locked account", unlock),
    Case("STF-05", "A cashier cannot add users", cashier_cannot_add),
    Case("STF-06", "A supervisor cannot create an administrator",
         supervisor_cannot_add_admin),
    Case("STF-07", "A common PIN is refused by the PIN policy", common_pin),
    Case("STF-08", "A supervisor PIN shorter than 6 digits is refused", short_pin),
    Case("STF-09", "A disabled user cannot sign in", disabled_user),
    Case("STF-10", "Changing one's own PIN retires the old PIN", change_own_pin),
    Case("STF-11", "A supervisor approves an override with their PIN", override_by_supervisor),
    Case("STF-12", "Another cashier cannot approve an override", override_not_by_cashier),
]
