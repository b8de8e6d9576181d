"""Build the staff, override and audit services on an open ledger (for app.py and commands).

    ctx = build_staff_context(ledger.engine, data_dir, training=..., till_id=..., clock=...)
    ctx.staff.ensure_demo_staff()        # training: demo cashiers/supervisor/admin
    ctx.audit.record("start", "system", {"till_id": ...}); ctx.audit.checkpoint()

Secrets come from the keyring (``SecretStore``): the PIN pepper and the audit key are made
on first start; live mode without a keyring stops here with IT-470.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from ireti_till.adapters.custody import ChainedAnchor, FileAnchor
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.pin_hash import ScryptPinHasher
from ireti_till.adapters.secrets import AUDIT_KEY, PIN_PEPPER, SecretStore, SecretStoreAnchor
from ireti_till.domain.overrides import OverrideRules
from ireti_till.domain.staff import LockoutPolicy
from ireti_till.services.audit import AuditLog
from ireti_till.services.overrides import OverrideService
from ireti_till.services.ports import Clock
from ireti_till.services.staff import StaffService
from ireti_till.services.staff_ports import AuditAnchor

if TYPE_CHECKING:
    from ireti_till.adapters.config_file import AppConfig
    from ireti_till.adapters.db.ledger import Ledger


@dataclass(frozen=True, slots=True)
class StaffContext:
    secrets: SecretStore
    audit: AuditLog
    staff: StaffService
    overrides: OverrideService


def build_audit_log(engine: Engine, secrets: SecretStore, clock: Clock) -> AuditLog:
    key = secrets.ensure_random(AUDIT_KEY)
    database = engine.url.database
    anchor: AuditAnchor = SecretStoreAnchor(secrets)
    if database and database != ":memory:":  # and beside the ledger file (issue 13)
        anchor = ChainedAnchor(anchor, FileAnchor(Path(database).parent))
    return AuditLog(SqlStaffUnitOfWorkFactory(engine), key, clock, anchor,
                    read_uow_factory=SqlStaffUnitOfWorkFactory(engine, read_only=True))


def build_staff_context(
    engine: Engine,
    data_dir: Path,
    *,
    training: bool,
    till_id: str,
    clock: Clock,
    lockout: LockoutPolicy | None = None,
    rules: OverrideRules | None = None,
    secrets: SecretStore | None = None,
    hasher: ScryptPinHasher | None = None,
) -> StaffContext:
    store = secrets or SecretStore(data_dir, training=training)
    audit = build_audit_log(engine, store, clock)
    uow = SqlStaffUnitOfWorkFactory(engine)
    pin_hasher = hasher or ScryptPinHasher(store.ensure_random(PIN_PEPPER))
    staff = StaffService(uow, pin_hasher, clock, audit, till_id=till_id, training=training,
                         lockout=lockout)
    overrides = OverrideService(uow, staff, audit, clock, rules)
    return StaffContext(store, audit, staff, overrides)


def prepare_staff(ledger: Ledger, data_dir: Path, config: AppConfig,
                  training: bool) -> StaffContext:
    """Keyring secrets, demo staff in training, ``start`` in the audit trail (no Qt)."""
    from ireti_till.adapters.clock import SystemClock

    till_id = config.store.till_id
    ctx = build_staff_context(ledger.engine, data_dir, training=training, till_id=till_id,
                              clock=SystemClock(), lockout=config.staff.lockout,
                              rules=config.staff.overrides)
    ctx.staff.ensure_demo_staff()
    ctx.audit.record("start", "system", {"till_id": till_id, "training": int(training)})
    ctx.audit.checkpoint()
    return ctx
