"""Staff: roles, permissions, the PIN policy and the lockout policy (pure).

Roles are ordered: ``cashier < supervisor < admin``; a higher role holds every permission
of a lower one. A PIN is the only credential a till can ask for at the point of action, so
the policy below is what keeps it worth anything:

PIN rules (``check_pin``; each refusal has its own code, see ``docs/errors/staff.md``)
- digits only; at least 4 digits for cashiers, at least 6 for supervisors and admins
  (they approve refunds and overrides); at most 12.
- trivial PINs are refused, because they are the first ones anybody tries:
  all one digit (``0000``); an ascending or descending run, also wrapping round
  (``1234``, ``987654``, ``890123``); a repeated group (``1212``, ``121212``, ``123123``,
  ``112112``); a palindrome of 6 or more digits (``123321``); the well-known list
  (``COMMON_PINS``: 1004, 2580 straight down the keypad, 696969...);
  something that reads as a year or a date, because a birth date is the PIN people pick
  and the one a colleague guesses: 4 digits from 1900 to 2099; 6 digits that are a valid
  ``DDMMYY`` or ``MMDDYY`` date; 8 digits that are ``DDMMYYYY``, ``MMDDYYYY`` or
  ``YYYYMMDD`` with a year 1900-2099. That refuses about 7 % of the 6-digit space, which
  costs a person nothing and an attacker their best guesses.

Lockout (PCI DSS 4.0 8.3.4: at most 10 attempts, locked at least 30 minutes or until an
administrator unlocks): ``LockoutPolicy`` refuses configurations outside those bounds. The
state is a value (``LockState``) that the service persists, so a restart does not reset it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final

from ireti_till.domain.errors import AuthorisationError, InputError


class Role(StrEnum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank

    @property
    def label(self) -> str:
        return self.value.capitalize()


_RANKS: Final[dict[Role, int]] = {Role.CASHIER: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


class Permission(StrEnum):
    SELL = "sell"
    REFUND_WITH_RECEIPT = "refund_with_receipt"  # within the matrix's cashier limits
    APPROVE_OVERRIDE = "approve_override"
    APPROVE_REFUND = "approve_refund"
    RESOLVE_QUEUE = "resolve_queue"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"
    MANAGE_USERS = "manage_users"
    UNLOCK_USERS = "unlock_users"
    CHANGE_SETTINGS = "change_settings"


_MIN_ROLE: Final[dict[Permission, Role]] = {
    Permission.SELL: Role.CASHIER,
    Permission.REFUND_WITH_RECEIPT: Role.CASHIER,
    Permission.APPROVE_OVERRIDE: Role.SUPERVISOR,
    Permission.APPROVE_REFUND: Role.SUPERVISOR,
    Permission.RESOLVE_QUEUE: Role.SUPERVISOR,
    Permission.VIEW_AUDIT: Role.SUPERVISOR,
    Permission.EXPORT_AUDIT: Role.ADMIN,
    Permission.MANAGE_USERS: Role.ADMIN,
    Permission.UNLOCK_USERS: Role.ADMIN,
    Permission.CHANGE_SETTINGS: Role.ADMIN,
}


def has_permission(role: Role, permission: Permission) -> bool:
    return role.at_least(_MIN_ROLE[permission])


def require_permission(role: Role, permission: Permission) -> None:
    if not has_permission(role, permission):
        raise AuthorisationError(
            f"A {role.value} may not {permission.value.replace('_', ' ')}; "
            f"ask a {_MIN_ROLE[permission].value}",
            code="IT-402",
        )


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person who can sign in. Never carries the PIN or its hash."""

    user_id: str
    name: str
    role: Role
    active: bool = True
    demo: bool = False  # training-mode demo staff (their PINs are shown on screen)


# --- PINs ---------------------------------------------------------------------------------

MAX_PIN_LENGTH: Final = 12
MIN_PIN_LENGTH: Final[dict[Role, int]] = {Role.CASHIER: 4, Role.SUPERVISOR: 6, Role.ADMIN: 6}

COMMON_PINS: Final[frozenset[str]] = frozenset({
    "1004", "2580", "0852", "1122", "1313", "4321", "6969", "1010", "2000", "5683",
    "123456", "654321", "000000", "111111", "121212", "112233", "696969", "159753",
    "147258", "258369", "159357", "852456", "789456", "123654", "102030", "110110",
    "131313", "232323", "007007", "123789", "147852", "142536", "741852", "963852",
    "12345678", "87654321", "11223344", "14789632", "01234567",
})


class PinRejected(InputError):
    """A new PIN does not meet the policy; nothing was changed."""

    code = "IT-410"


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return steps in ({1}, {9})


def _repeats_group(pin: str) -> bool:
    n = len(pin)
    return any(n % k == 0 and pin == pin[:k] * (n // k) for k in range(1, n // 2 + 1))


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_like_date(pin: str) -> bool:
    n = len(pin)
    if n == 4:
        return 1900 <= int(pin) <= 2099
    if n == 6:
        a, b, c = int(pin[:2]), int(pin[2:4]), int(pin[4:])
        return _valid_date(2000 + c, b, a) or _valid_date(2000 + c, a, b)
    if n == 8:
        a, b, y = int(pin[:2]), int(pin[2:4]), int(pin[4:])
        y0, m0, d0 = int(pin[:4]), int(pin[4:6]), int(pin[6:])
        return (1900 <= y <= 2099 and (_valid_date(y, b, a) or _valid_date(y, a, b))) or (
            1900 <= y0 <= 2099 and _valid_date(y0, m0, d0)
        )
    return False


def trivial_reason(pin: str) -> str | None:
    """Why ``pin`` is too easy to guess, or None. Assumes digits only."""
    if len(set(pin)) == 1:
        return "it is one digit repeated"
    if _is_run(pin):
        return "it is a run of digits"
    if _repeats_group(pin):
        return "it repeats a group of digits"
    if len(pin) >= 6 and pin == pin[::-1]:
        return "it reads the same backwards"
    if pin in COMMON_PINS:
        return "it is one of the most common PINs"
    if _looks_like_date(pin):
        return "it looks like a year or a date"
    return None


def check_pin(pin: str, role: Role) -> None:
    """Raise ``PinRejected`` (with the reason, never the PIN) unless ``pin`` is acceptable."""
    if not pin.isascii() or not pin.isdigit():
        raise PinRejected("A PIN has digits only", code="IT-410")
    minimum = MIN_PIN_LENGTH[role]
    if len(pin) < minimum:
        raise PinRejected(
            f"A {role.value}'s PIN needs at least {minimum} digits", code="IT-411"
        )
    if len(pin) > MAX_PIN_LENGTH:
        raise PinRejected(f"A PIN has at most {MAX_PIN_LENGTH} digits", code="IT-411")
    reason = trivial_reason(pin)
    if reason is not None:
        raise PinRejected(f"That PIN is too easy to guess: {reason}", code="IT-412")


# --- lockout ------------------------------------------------------------------------------

PCI_MAX_ATTEMPTS: Final = 10
PCI_MIN_LOCK: Final = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """``max_failures`` wrong PINs in a row lock the account for ``lock_for``.

    ``lock_for=None`` means until an administrator unlocks it.
    """

    max_failures: int = 5
    lock_for: timedelta | None = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if not 1 <= self.max_failures <= PCI_MAX_ATTEMPTS:
            raise ValueError(f"max_failures must be 1..{PCI_MAX_ATTEMPTS} (PCI DSS 8.3.4)")
        if self.lock_for is not None and self.lock_for < PCI_MIN_LOCK:
            raise ValueError("lock_for must be at least 30 minutes (PCI DSS 8.3.4)")


@dataclass(frozen=True, slots=True)
class LockState:
    failures: int = 0
    locked_until: datetime | None = None  # set when locked with a time limit
    locked: bool = False  # True while locked (with or without a time limit)

    def is_locked(self, now: datetime) -> bool:
        if not self.locked:
            return False
        return self.locked_until is None or now < self.locked_until

    def after_failure(self, policy: LockoutPolicy, now: datetime) -> LockState:
        base = LockState() if self.locked and not self.is_locked(now) else self
        failures = base.failures + 1
        if failures >= policy.max_failures:
            until = None if policy.lock_for is None else now + policy.lock_for
            return LockState(failures=failures, locked_until=until, locked=True)
        return replace(base, failures=failures)

    def after_success(self) -> LockState:
        return LockState()


def ensure_not_locked(state: LockState, now: datetime) -> None:
    if state.is_locked(now):
        until = (
            f"until {state.locked_until:%H:%M} UTC" if state.locked_until is not None
            else "until an administrator unlocks it"
        )
        raise AuthorisationError(
            f"This account is locked after too many wrong PINs, {until}", code="IT-404"
        )
