"""``ireti-till audit verify``: walk the audit chain; print OK (exit 0) or the first broken link.

Exit codes: 0 the chain is intact; 1 it is broken (the entry number and what was found);
2 it cannot be checked (no ledger, no audit key, no keyring). Reads only: nothing in the
ledger or the keyring is changed, and the rows are streamed, so a large log is fine.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import inspect

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.db.staff_repo import SqlStaffUnitOfWorkFactory
from ireti_till.adapters.secrets import AUDIT_KEY, SecretStore, SecretStoreAnchor
from ireti_till.commands.ops_common import add_data_dir, fail, ledger_path, open_data_dir
from ireti_till.domain.errors import OperationsError, TillError
from ireti_till.services.audit import AuditLog


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till audit verify", description=__doc__)
    add_data_dir(parser)
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
        path = ledger_path(data_dir)
        if not path.exists():
            raise OperationsError(f"There is no ledger at {path}", code="IT-462")
        # training=True only allows *reading* the training secrets file where no keyring
        # exists; nothing is created here.
        secrets = SecretStore(data_dir, training=True)
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
                raise OperationsError("This ledger has no audit log yet", code="IT-462")
            uow = SqlStaffUnitOfWorkFactory(engine, read_only=True)
            audit = AuditLog(uow, key, SystemClock(),
                             SecretStoreAnchor(secrets))
            started = time.perf_counter()
            result = audit.verify()
            elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
    except TillError as exc:
        return fail(exc)
    print(f"{result.describe()} [{elapsed:.2f} s]")
    return 0 if result.ok else 1
