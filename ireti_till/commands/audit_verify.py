"""``ireti-till audit verify``: walk the audit chain; print OK (exit 0) or the first broken link.

Exit codes: 0 the chain is intact; 1 it is broken (the entry number and what was found),
including a log, table or ledger file that is gone while the anchor (keyring and custody
file) proves entries existed; 2 it cannot be checked (no ledger, no audit key, no keyring).
Reads only: nothing in the ledger or the keyring is changed, and the rows are streamed,
so a large log is fine.

It also checks the chain against the audit head every backup's sidecar recorded (in
``<data dir>/backups``): a chain truncated or rewritten below a backup's head is BROKEN
(IT-255, naming the backup; exit 1) unless a later restore cut it there. The last line says
how many backup anchors were checked.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import time

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from ireti_till.adapters import custody
from ireti_till.adapters.audit_ops import ledger_anchor
from ireti_till.adapters.backup_anchors import sidecar_anchors
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.paths import backups_dir
from ireti_till.adapters.secrets import AUDIT_KEY, SecretStore
from ireti_till.commands.ops_common import add_data_dir, emit, fail, ledger_path, open_data_dir
from ireti_till.domain.errors import LedgerError, OperationsError, TillError
from ireti_till.services.audit import AuditLog

log = logging.getLogger(__name__)


def _broken(reason: str) -> int:
    """The chain cannot be walked because something that held it is gone: BROKEN (exit 1)."""
    emit(f"BROKEN at entry 1: {reason} (0 checked)")
    return 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till audit verify", description=__doc__)
    add_data_dir(parser)
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
        path = ledger_path(data_dir)
        # training=True only allows *reading* the training secrets file where no keyring
        # exists; nothing is created here.
        secrets = SecretStore(data_dir, training=True)
        anchor = ledger_anchor(secrets, data_dir)
        saved = anchor.load()
        if not path.exists() or path.stat().st_size == 0:
            if saved is not None or custody.has_had_ledger(data_dir):
                return _broken(f"the ledger file {path.name} is missing or empty, although "
                               f"the audit anchor saw {saved[0] if saved else 'entries'}; "
                               "restore the last good backup")
            raise OperationsError(f"There is no ledger at {path}", code="IT-462")
        key_hex = secrets.get(AUDIT_KEY)
        if key_hex is None:
            raise OperationsError(
                f"The audit key is not in {secrets.describe()}: the chain cannot be checked "
                "on this computer", code="IT-463")
        try:
            key = bytes.fromhex(key_hex)
        except ValueError as exc:
            raise OperationsError("The stored audit key is damaged", code="IT-472") from exc
        engine = make_engine(path)
        try:
            if not inspect(engine).has_table("audit_log"):
                if saved is not None:
                    return _broken(f"the audit_log table is gone, although entries up to "
                                   f"{saved[0]} were recorded")
                raise OperationsError("This ledger has no audit log yet", code="IT-462")
            uow = SqlStaffUnitOfWorkFactory(engine, read_only=True)
            audit = AuditLog(uow, key, SystemClock(), anchor)
            started = time.perf_counter()
            result = audit.verify()
            backups = audit.verify_backups(sidecar_anchors(backups_dir(data_dir)))
            elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
    except (sqlite3.DatabaseError, SQLAlchemyError) as exc:
        if custody.is_disk_full(exc):
            return fail(custody.disk_full_error(data_dir, "checking the audit trail"))
        return fail(LedgerError(
            f"The ledger cannot be read to check its audit trail ({type(exc).__name__}). Do "
            "not trade; run `ireti-till doctor` and restore the last good backup if it says "
            "the database is damaged.", code="IT-201"))
    except TillError as exc:
        return fail(exc)
    if not backups.ok:
        log.error("audit chain broken below a backup's anchor: %s",
                  "; ".join(p.describe() for p in backups.broken))
    if not emit(f"{result.describe()} [{elapsed:.2f} s]\n{backups.describe()}"):
        return 2
    return 0 if result.ok and backups.ok else 1
