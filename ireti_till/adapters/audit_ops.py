"""The audit trail as the operations commands use it: record a restore, verify for a bundle.

Both open the ledger file themselves (the till is not running during a restore; a bundle
only reads). The audit key is read, never created: no key means no audit here
(``OperationsError`` IT-463), and the callers carry on without it.

A restore is an *authorised truncation* of the chain: the restored ledger ends where the
backup ended, while the anchor kept outside the database still points at the later head.
``record_restore`` therefore appends a ``restore`` entry that names the previous anchor
(seq) and then moves the anchor to that entry, so ``audit verify`` checks the restored chain
instead of reporting every restore as tampering forever after.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import inspect

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.custody import ChainedAnchor, FileAnchor
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.secrets import AUDIT_KEY, SecretStore, SecretStoreAnchor
from ireti_till.domain.errors import OperationsError
from ireti_till.services.audit import AuditLog


def ledger_anchor(secrets: SecretStore, data_dir: Path) -> ChainedAnchor:
    """The audit anchor kept in the keyring and in the custody file beside the ledger."""
    return ChainedAnchor(SecretStoreAnchor(secrets), FileAnchor(data_dir))


def _key(secrets: SecretStore) -> bytes:
    key_hex = secrets.get(AUDIT_KEY)
    if key_hex is None:
        raise OperationsError("no audit key on this computer", code="IT-463")
    return bytes.fromhex(key_hex)


def record_restore(data_dir: Path, kind: str, actor: str, details: Mapping[str, object]) -> None:
    secrets = SecretStore(data_dir, training=True)  # reads existing secrets only
    key = _key(secrets)
    engine = make_engine(data_dir / DB_FILENAME)
    try:
        if not inspect(engine).has_table("audit_log"):
            raise OperationsError("the restored ledger has no audit log yet", code="IT-462")
        anchor = ledger_anchor(secrets, data_dir)
        previous = anchor.load()
        uow_factory = SqlStaffUnitOfWorkFactory(engine)
        audit = AuditLog(uow_factory, key, SystemClock(), anchor)
        with uow_factory() as uow:  # an authorised truncation: the anchor moves to it
            row = audit.append(uow.audit, kind, actor, {
                **details, "previous_anchor_seq": previous[0] if previous else None})
            uow.commit()
        anchor.save(row.seq, row.link)
    finally:
        engine.dispose()


def verify_for_bundle(data_dir: Path) -> dict[str, object] | None:
    """The chain verification result, or None when this ledger has no audit log."""
    db = data_dir / DB_FILENAME
    if not db.exists():
        return None
    secrets = SecretStore(data_dir, training=True)
    try:
        key = _key(secrets)
    except OperationsError as exc:
        return {"ok": None, "result": str(exc)}
    engine = make_engine(db)
    try:
        if not inspect(engine).has_table("audit_log"):
            return None
        audit = AuditLog(SqlStaffUnitOfWorkFactory(engine, read_only=True), key, SystemClock(),
                         ledger_anchor(secrets, data_dir))
        result = audit.verify()
    finally:
        engine.dispose()
    return {"ok": result.ok, "checked": result.checked, "result": result.describe()}
