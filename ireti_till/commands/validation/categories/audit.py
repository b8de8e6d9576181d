"""The audit trail: every sensitive action recorded in a chain that shows any tampering."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ireti_till.commands.validation.case import Case, Category
from ireti_till.commands.validation.env import Env
from ireti_till.domain.audit import ChainRow, verify_chain
from ireti_till.domain.errors import TillError
from ireti_till.domain.staff import Role
from ireti_till.services.staff_ports import AuditFilter

CATEGORY = Category("audit", "Audit trail", 70,
                    "The tamper-evident audit log: it verifies, the database refuses edits, "
                    "an edited, deleted or truncated entry is found, secrets are kept out, and "
                    "exports are themselves recorded. Tampering is tried on a copy.")


def _seed(env: Env, n: int = 5) -> None:
    for i in range(n):
        env.staff.audit.record("drawer_open", "validate", {"n": i, "till_id": "VALIDATE"})


def _copy(env: Env, name: str) -> Path:
    target = env.root / f"audit-{name}.sqlite3"
    src = sqlite3.connect(env.db_path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def _verify(env: Env, path: Path, anchor: tuple[int, str] | None = None) -> tuple[bool, str]:
    conn = sqlite3.connect(path)
    try:
        rows = [ChainRow(*r) for r in conn.execute(
            "SELECT seq, at, kind, actor, details, link FROM audit_log ORDER BY seq")]
    finally:
        conn.close()
    result = verify_chain(env.staff.audit._key, rows, anchor)
    return result.ok, result.describe()


def _tamper(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in sql:
            conn.execute(statement)
    finally:
        conn.close()


def _code(fn: Callable[[], object]) -> str:
    try:
        fn()
    except TillError as exc:
        return exc.code
    raise AssertionError("it was accepted")


def verifies(env: Env) -> str:
    _seed(env)
    result = env.staff.audit.verify()
    assert result.ok, result.describe()
    return result.describe()


def refuses(statement: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        _seed(env)
        path = _copy(env, "refuse")
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute(statement)
        except sqlite3.DatabaseError as exc:
            return f"the database refused it: {exc}"
        finally:
            conn.close()
        raise AssertionError(f"{statement} was allowed")
    return check


def finds(statement: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        _seed(env)
        path = _copy(env, "tamper")
        _tamper(path, statement)
        ok, text = _verify(env, path)
        assert not ok, f"tampering not found: {text}"
        return text
    return check


def truncation(env: Env) -> str:
    _seed(env)
    head = env.staff.audit.checkpoint()
    assert head is not None
    path = _copy(env, "truncate")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (int(head[0]) - 2,))
    conn.close()
    ok, text = _verify(env, path, anchor=head)
    assert not ok, f"truncation not found: {text}"
    return f"last 2 entries removed: {text}"


def refuses_details(details: dict[str, object], what: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        code = _code(lambda: env.staff.audit.record("settings_changed", "validate", details))
        return f"{what} refused in audit details ({code})"
    return check


def export_recorded(env: Env) -> str:
    _seed(env, 1)
    out = io.StringIO()
    n = env.staff.audit.export_csv(out, AuditFilter(kind="drawer_open", limit=100000), "val")
    lines = out.getvalue().splitlines()
    assert lines[0] == "seq,at,kind,actor,details,link" and len(lines) == n + 1, lines[:2]
    rows = env.staff.audit.search(AuditFilter(kind="audit_export", limit=100000))
    assert rows and rows[-1].details.get("rows") == n, rows[-1:]
    return f"{n} rows exported with their links; the export itself recorded"


def failed_sign_in_recorded(env: Env) -> str:
    before = len(env.staff.audit.search(AuditFilter(kind="sign_in_failed", limit=100000)))
    who = env.member(Role.SUPERVISOR)
    with contextlib.suppress(TillError):
        env.staff.staff.sign_in("000000", who.user_id)
    after = len(env.staff.audit.search(AuditFilter(kind="sign_in_failed", limit=100000)))
    assert after == before + 1, (before, after)
    return "a wrong PIN adds one sign_in_failed entry"


def catalog_import_recorded(env: Env) -> str:
    from ireti_till.services.catalog_import import import_csv_audited

    csv = io.StringIO("sku,name,price,tax_code\nVAL-AUD,Audit item,1.00,S\n")
    from ireti_till.adapters.db.uow import SqlUnitOfWork

    result = import_csv_audited(lambda: SqlUnitOfWork(env.engine), env.staff.audit, csv,
                                actor=env.member(Role.ADMIN), source="validate.csv",
                                currency="EUR", tax_codes=None)
    rows = env.staff.audit.search(AuditFilter(kind="catalog_import", limit=100000))
    assert rows and rows[-1].details.get("imported") == result.imported, rows[-1:]
    return f"admin import of {result.imported} product recorded as catalog_import"


CASES = [
    Case("AUD-01", "The audit chain verifies after the run's activity", verifies),
    Case("AUD-02", "The database refuses to change an audit entry",
         refuses("UPDATE audit_log SET actor = 'x' WHERE seq = 1")),
    Case("AUD-03", "The database refuses to delete an audit entry",
         refuses("DELETE FROM audit_log WHERE seq = 1")),
    Case("AUD-04", "An edited entry is found by verify",
         finds("UPDATE audit_log SET details = '{\"n\":99}' WHERE seq = 2")),
    Case("AUD-05", "A deleted entry in the middle is found by verify",
         finds("DELETE FROM audit_log WHERE seq = 2")),
    Case("AUD-06", "Entries removed from the end are found against the saved head",
         truncation),
    Case("AUD-07", "A PIN is refused in audit details",
         refuses_details({"pin": "482913"}, "a PIN")),
    Case("AUD-08", "A card number is refused in audit details",
         refuses_details({"note": "4242 4242 4242 4242"}, "a card number")),
    Case("AUD-09", "An audit export has every row with its link and is itself recorded",
         export_recorded),
    Case("AUD-10", "A failed sign-in is recorded", failed_sign_in_recorded),
    Case("AUD-11", "A catalog import is recorded with who and how many",
         catalog_import_recorded),
]
