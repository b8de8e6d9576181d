"""Staff use cases: sign in by PIN, lockout, users, the first admin and training demo staff.

Sign-in comes in two forms. With a user chosen on screen (``sign_in(pin, user_id=...)``)
one hash is checked and a wrong PIN counts against that user's lockout. With the PIN
alone (``user_id=None``) every active user's hash is checked (each PIN identifies exactly
one person, see ``_ensure_unique``); a wrong PIN then counts against the *till*
(subject ``till:<id>``), and once the till is locked a name must be chosen, so per-user
lockout still applies.

PIN hashes are verified *outside* any write transaction (scrypt is slow on purpose; holding
SQLite's write lock meanwhile would stall the sale screen); the short write that follows
records the result. Lock state lives in the ledger, so a restart does not reset it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ireti_till.domain.errors import AuthorisationError, InputError, NotFoundError
from ireti_till.domain.overrides import clean_reason
from ireti_till.domain.staff import (
    LockoutPolicy,
    LockState,
    Permission,
    PinRejected,
    Role,
    StaffMember,
    check_pin,
    ensure_not_locked,
    require_permission,
)
from ireti_till.services.audit import SYSTEM, AuditLog
from ireti_till.services.ports import Clock
from ireti_till.services.staff_ports import PinHasher, StaffUnitOfWork


@dataclass(frozen=True, slots=True)
class DemoCredential:
    name: str
    role: Role
    pin: str  # shown on the training sign-in screen; never used outside training mode


DEMO_STAFF: Final[tuple[DemoCredential, ...]] = (
    DemoCredential("Ada (training)", Role.CASHIER, "4829"),
    DemoCredential("Tunde (training)", Role.CASHIER, "7153"),
    DemoCredential("Bola (training)", Role.SUPERVISOR, "394817"),
    DemoCredential("Chidi (training)", Role.ADMIN, "860274"),
)

WRONG_PIN: Final = "Wrong PIN. Try again"


def clean_name(text: str) -> str:
    try:
        name = clean_reason(text)
    except InputError as exc:
        raise InputError("Type the person's name (3 to 200 characters)", code="IT-413") from exc
    if len(name) > 64:
        raise InputError("A name has at most 64 characters", code="IT-413")
    return name


class StaffService:
    def __init__(
        self,
        uow_factory: Callable[[], StaffUnitOfWork],
        hasher: PinHasher,
        clock: Clock,
        audit: AuditLog,
        *,
        till_id: str,
        training: bool,
        lockout: LockoutPolicy | None = None,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._audit = audit
        self.till_id = till_id
        self.training = training
        self.lockout = lockout or LockoutPolicy()
        # One attempt at a time per subject (a user, or the till in PIN-only mode): read the
        # lock state, check the PIN and record the outcome as one step, so parallel attempts
        # cannot all be checked before the first failure is counted.
        self._attempt_locks: dict[str, threading.Lock] = {}
        self._attempt_guard = threading.Lock()

    def _serial(self, subject: str) -> threading.Lock:
        with self._attempt_guard:
            return self._attempt_locks.setdefault(subject, threading.Lock())

    # --- reading ------------------------------------------------------------------------
    def users(self, include_inactive: bool = True) -> list[StaffMember]:
        with self._uow() as uow:
            return uow.staff.members(include_inactive)

    def get(self, user_id: str) -> StaffMember:
        with self._uow() as uow:
            member = uow.staff.get(user_id)
        if member is None:
            raise NotFoundError("No such user", code="IT-405")
        return member

    def lock_state(self, user_id: str) -> LockState:
        with self._uow() as uow:
            return uow.staff.lock_state(user_id)

    def needs_first_admin(self) -> bool:
        """No user yet; on a live till also: no real (non-training) active administrator,
        e.g. a data directory that was used in training mode and is now live."""
        with self._uow() as uow:
            return self._no_admin(uow)

    def _no_admin(self, uow: StaffUnitOfWork) -> bool:
        if self.training:
            return uow.staff.count() == 0
        return not any(m.role is Role.ADMIN and not m.demo for m in uow.staff.members(False))

    def demo_credentials(self) -> tuple[DemoCredential, ...]:
        """The demo PINs to show on the sign-in screen: only in training mode."""
        return DEMO_STAFF if self.training else ()

    # --- first start --------------------------------------------------------------------
    def create_first_admin(self, name: str, pin: str) -> StaffMember:
        if not self.needs_first_admin():
            raise AuthorisationError("The administrator already exists", code="IT-402")
        member = StaffMember(str(uuid.uuid4()), clean_name(name), Role.ADMIN)
        check_pin(pin, Role.ADMIN)
        encoded = self._hasher.hash(pin)
        with self._uow() as uow:
            if not self._no_admin(uow):
                raise AuthorisationError("The administrator already exists", code="IT-402")
            uow.staff.add(member, encoded, self._clock.now())
            self._audit.append(uow.audit, "user_created", SYSTEM,
                               {"user_id": member.user_id, "role": "admin", "first": True})
            uow.commit()
        return member

    def ensure_demo_staff(self) -> list[StaffMember]:
        """Training mode, empty staff table: create the demo staff. Returns who was added."""
        if not self.training:
            return []
        with self._uow() as uow:
            if uow.staff.count() != 0:
                return []
        added = [StaffMember(str(uuid.uuid4()), d.name, d.role, demo=True) for d in DEMO_STAFF]
        hashes = [self._hasher.hash(d.pin) for d in DEMO_STAFF]
        with self._uow() as uow:
            if uow.staff.count() != 0:
                return []
            for member, encoded in zip(added, hashes, strict=True):
                uow.staff.add(member, encoded, self._clock.now())
            self._audit.append(uow.audit, "user_created", SYSTEM,
                               {"demo_staff": len(added), "training": True})
            uow.commit()
        return added

    # --- signing in ---------------------------------------------------------------------
    def sign_in(self, pin: str, user_id: str | None = None) -> StaffMember:
        """Who this is, or ``AuthorisationError`` (IT-401 wrong PIN, IT-403, IT-404)."""
        return self.authenticate(pin, user_id, purpose="sign_in")

    def authenticate(self, pin: str, user_id: str | None, purpose: str) -> StaffMember:
        if user_id is None:
            with self._serial(f"till:{self.till_id}"):
                return self._by_pin_only(pin, purpose)
        with self._serial(user_id):
            return self._by_user(pin, user_id, purpose)

    def _by_user(self, pin: str, user_id: str, purpose: str) -> StaffMember:
        with self._uow() as uow:
            member = uow.staff.get(user_id)
            encoded = uow.staff.pin_hash(user_id)
            state = uow.staff.lock_state(user_id)
        if member is None or encoded is None:
            raise NotFoundError("No such user", code="IT-405")
        if not member.active:
            raise AuthorisationError("This account is disabled", code="IT-403")
        self._refuse_demo(member)
        ensure_not_locked(state, self._clock.now())
        ok = self._hasher.verify(pin, encoded)
        self._record_attempt(user_id, ok, purpose, {"user_id": user_id})
        if not ok:
            raise AuthorisationError(WRONG_PIN, code="IT-401")
        self._after_success(member, pin, encoded, purpose)
        return member

    def _by_pin_only(self, pin: str, purpose: str) -> StaffMember:
        subject = f"till:{self.till_id}"
        with self._uow() as uow:
            till_state = uow.staff.lock_state(subject)
            candidates = uow.staff.credentials()
        now = self._clock.now()
        if till_state.is_locked(now):
            raise AuthorisationError(
                "Too many wrong PINs on this till: choose your name, then type your PIN",
                code="IT-404",
            )
        for member, encoded in candidates:
            if member.demo and not self.training:
                continue
            if self._hasher.verify(pin, encoded):
                with self._uow() as uow:
                    state = uow.staff.lock_state(member.user_id)
                if state.is_locked(now):
                    break  # answered like a wrong PIN: no oracle for a locked user's PIN
                self._record_attempt(subject, True, purpose, {"user_id": member.user_id})
                self._after_success(member, pin, encoded, purpose)
                return member
        self._record_attempt(subject, False, purpose, {"till_id": self.till_id,
                                                         "mode": "pin_only"})
        raise AuthorisationError(WRONG_PIN, code="IT-401")

    def _refuse_demo(self, member: StaffMember) -> None:
        """Training staff (their PINs are printed on the training screen) never work live."""
        if member.demo and not self.training:
            raise AuthorisationError(
                "Training staff cannot sign in on a live till: an admin creates real users",
                code="IT-407",
            )

    def _record_attempt(self, subject: str, ok: bool, purpose: str,
                        details: dict[str, str]) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            before = uow.staff.lock_state(subject)
            if ok:
                if before != LockState():
                    uow.staff.save_lock_state(subject, before.after_success(), now)
                uow.commit()
                return
            after = before.after_failure(self.lockout, now)
            uow.staff.save_lock_state(subject, after, now)
            actor = details.get("user_id", SYSTEM)
            self._audit.append(uow.audit, "sign_in_failed", actor,
                               {**details, "purpose": purpose, "failures": after.failures})
            if after.is_locked(now):
                self._audit.append(uow.audit, "lockout", actor, {**details, "subject": subject})
            uow.commit()

    def _after_success(self, member: StaffMember, pin: str, encoded: str, purpose: str) -> None:
        fresh = self._hasher.hash(pin) if self._hasher.needs_rehash(encoded) else None
        with self._uow() as uow:
            if member.user_id and uow.staff.lock_state(member.user_id) != LockState():
                uow.staff.save_lock_state(member.user_id, LockState(), self._clock.now())
            if fresh is not None:
                uow.staff.set_pin_hash(member.user_id, fresh, self._clock.now())
            if purpose == "sign_in":
                uow.staff.touch_sign_in(member.user_id, self._clock.now())
                self._audit.append(uow.audit, "sign_in", member.user_id,
                                   {"till_id": self.till_id, "role": member.role.value})
            uow.commit()

    def sign_out(self, member: StaffMember, reason: str = "sign_out") -> None:
        self._audit.record("sign_out", member.user_id, {"till_id": self.till_id,
                                                        "reason": reason})

    def lock_screen(self, member: StaffMember, reason: str = "lock") -> None:
        """The screen was locked (idle or on request); the member's basket stays parked."""
        self._audit.record("lock_screen", member.user_id, {"till_id": self.till_id,
                                                           "reason": reason})

    # --- administration (admin role) ----------------------------------------------------
    def add_user(self, actor: StaffMember, name: str, role: Role, pin: str) -> StaffMember:
        require_permission(actor.role, Permission.MANAGE_USERS)
        role = Role(role)
        member = StaffMember(str(uuid.uuid4()), clean_name(name), role)
        check_pin(pin, role)
        self._ensure_unique(pin, exclude=None, actor=actor)
        encoded = self._hasher.hash(pin)
        with self._uow() as uow:
            uow.staff.add(member, encoded, self._clock.now())
            self._audit.append(uow.audit, "user_created", actor.user_id,
                               {"user_id": member.user_id, "role": role.value})
            uow.commit()
        return member

    def set_active(self, actor: StaffMember, user_id: str, active: bool) -> None:
        require_permission(actor.role, Permission.MANAGE_USERS)
        if user_id == actor.user_id and not active:
            raise AuthorisationError("You cannot disable your own account", code="IT-406")
        target = self.get(user_id)
        with self._uow() as uow:
            if not active and target.role is Role.ADMIN and self._active_admins(uow) <= 1:
                raise AuthorisationError("The last active administrator cannot be disabled",
                                         code="IT-406")
            uow.staff.set_active(user_id, active, self._clock.now())
            self._audit.append(uow.audit, "user_enabled" if active else "user_disabled",
                               actor.user_id, {"user_id": user_id})
            uow.commit()

    @staticmethod
    def _active_admins(uow: StaffUnitOfWork) -> int:
        return sum(1 for m in uow.staff.members(False) if m.role is Role.ADMIN)

    def reset_pin(self, actor: StaffMember, user_id: str, new_pin: str) -> None:
        require_permission(actor.role, Permission.MANAGE_USERS)
        self._set_pin(actor, self.get(user_id), new_pin, "pin_reset")

    def change_own_pin(self, member: StaffMember, old_pin: str, new_pin: str) -> None:
        current = self.authenticate(old_pin, member.user_id, purpose="change_pin")
        self._set_pin(current, current, new_pin, "pin_changed")

    def _set_pin(self, actor: StaffMember, target: StaffMember, pin: str, kind: str) -> None:
        check_pin(pin, target.role)
        self._ensure_unique(pin, exclude=target.user_id, actor=actor)
        encoded = self._hasher.hash(pin)
        now = self._clock.now()
        with self._uow() as uow:
            uow.staff.set_pin_hash(target.user_id, encoded, now)
            uow.staff.save_lock_state(target.user_id, LockState(), now)
            self._audit.append(uow.audit, kind, actor.user_id, {"user_id": target.user_id})
            uow.commit()

    def unlock(self, actor: StaffMember, user_id: str) -> None:
        require_permission(actor.role, Permission.UNLOCK_USERS)
        with self._uow() as uow:
            uow.staff.save_lock_state(user_id, LockState(), self._clock.now())
            self._audit.append(uow.audit, "unlock", actor.user_id, {"user_id": user_id})
            uow.commit()

    def _ensure_unique(self, pin: str, exclude: str | None, actor: StaffMember) -> None:
        """Refuse a PIN another active user has, by checking it against every active hash.

        Nothing reversible is stored for this: it costs one verification per user. The
        refusal necessarily tells the person choosing that *someone* has that PIN, so it is
        audited (with both user ids) for a supervisor to follow up: the holder should be
        asked to change theirs."""
        with self._uow() as uow:
            candidates = uow.staff.credentials()
        for member, encoded in candidates:
            if member.user_id != exclude and self._hasher.verify(pin, encoded):
                self._audit.record("pin_collision", actor.user_id,
                                   {"holder": member.user_id, "for_user": exclude or "new"})
                raise PinRejected("Choose another PIN: this one cannot be used", code="IT-414")
