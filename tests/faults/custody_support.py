"""The custody fault suite's world: a till's data folder with sales, staff, an audit trail and
a verified backup; ways to damage a ledger or a backup; every command; and the rule.

The rule (issue 13): no command ever deletes or overwrites the last good copy of a sale,
and every refusal names its error code. ``sales_everywhere`` reads every SQLite file in the
data folder (ledger, backups, restore-aside copies) and ``check_rule`` asserts that every
sale of the good ledger is still in at least one readable copy, that the verified backup is
byte for byte what it was (or a newer verified backup holds every sale), and that a command
that did not succeed printed a code and no traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.config_file import load_config
from ireti_till.adapters.db.ledger import DB_FILENAME, open_ledger
from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.commands import (
    audit_verify,
    backup,
    catalog_import,
    doctor,
    export,
    restore,
    selftest,
    support_bundle,
)
from ireti_till.domain.errors import TillError
from tests.integration.ops_helpers import a_sale

CODE = re.compile(r"\(IT-\d{3}\)|IT-\d{3}")
SALES = 6
CSV = "sku,gtin,name,price,tax_code,active\nNEW1,,New thing,2.50,S,1\n"


@contextlib.contextmanager
def no_keyring() -> Iterator[None]:
    """Secrets in the data folder's training file, as in a subprocess on this machine."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def make_golden(root: Path, till_id: str = "T01") -> tuple[Path, Path, frozenset[str]]:
    """A data folder with config, staff, audit trail, ``SALES`` sales and one verified
    backup; returns (data folder, the backup, the sale ids)."""
    data = root / "data"
    data.mkdir(parents=True)
    with no_keyring():
        load_config(data)
        ledger = open_ledger(data)
        try:
            ctx = build_staff_context(ledger.engine, data, training=True, till_id="T01",
                                      clock=SystemClock())
            ctx.staff.ensure_demo_staff()
            ctx.audit.record("start", "system", {"till_id": "T01"})
            ids: set[str] = set()
            with SqlUnitOfWork(ledger.engine) as uow:
                for n in range(SALES):
                    sale = uow.sales.add(dataclasses.replace(a_sale(n), till_id=till_id))
                    ids.add(str(sale.sale_id))
                uow.commit()
            ctx.audit.checkpoint()
        finally:
            ledger.close()
        open_ledger(data).close()  # a second start: the custody file learns which ledger
        assert backup.main(["--data-dir", str(data)]) == 0
    good = next((data / "backups").glob("ireti-till-*.sqlite3"))
    return data, good, frozenset(ids)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- damage -------------------------------------------------------------------------------

def _checkpointed(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)


def zero_byte(db: Path, _other: Path) -> None:
    db.write_bytes(b"")


def truncated(db: Path, _other: Path) -> None:
    _checkpointed(db)
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 3)


def bit_flipped(db: Path, _other: Path) -> None:
    _checkpointed(db)
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for k in range(1, min(6, len(data) // page)):  # b-tree page headers: type, cells...
        for i in range(k * page, k * page + 12):
            data[i] ^= 0xA5
    db.write_bytes(bytes(data))


def foreign(db: Path, other: Path) -> None:
    """Another till's complete, healthy ledger (other sales, other audit key)."""
    _checkpointed(other)
    shutil.copyfile(other, db)


def crafted(db: Path, _other: Path) -> None:
    db.unlink()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE sales (sale_id TEXT)")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('0006_refunds')")
    conn.commit()
    conn.close()


def future(db: Path, _other: Path) -> None:
    _checkpointed(db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()


def missing(db: Path, _other: Path) -> None:
    db.unlink()


def intact(_db: Path, _other: Path) -> None:
    return


LEDGER_DAMAGE: dict[str, Callable[[Path, Path], None]] = {
    "intact": intact, "zero-byte": zero_byte, "truncated": truncated,
    "bit-flipped": bit_flipped, "foreign": foreign, "crafted": crafted, "future": future,
    "missing": missing,
}
BACKUP_DAMAGE = {k: v for k, v in LEDGER_DAMAGE.items() if k not in ("intact", "missing")}


def damage_ledger(data: Path, how: str, other: Path) -> None:
    db = data / DB_FILENAME
    if how in ("zero-byte", "crafted", "missing"):
        for extra in ("-wal", "-shm"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
    LEDGER_DAMAGE[how](db, other)


# --- commands -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[Path, Path, Path], int]  # (data folder, good backup, scratch) -> exit
    writes_ledger: bool = False  # must refuse on a ledger that is not this till's good one


def _csv(scratch: Path) -> Path:
    path = scratch / "import.csv"
    if not path.exists():  # the disk-full tests write it before the disk fills
        path.write_text(CSV, encoding="utf-8")
    return path


COMMANDS: tuple[Command, ...] = (
    Command("backup", lambda d, g, s: backup.main(["--data-dir", str(d)])),
    Command("backup-rotate-hard", lambda d, g, s: backup.main(
        ["--data-dir", str(d), "--keep-daily", "1", "--keep-weekly", "0"])),
    Command("restore-good", lambda d, g, s: restore.main(["--data-dir", str(d), "--yes",
                                                           str(g)])),
    Command("doctor", lambda d, g, s: doctor.main(["--data-dir", str(d)])),
    Command("audit-verify", lambda d, g, s: audit_verify.main(["--data-dir", str(d)])),
    Command("export-stdout", lambda d, g, s: export.main(
        ["--what", "sale-records", "--data-dir", str(d)])),
    Command("export-file", lambda d, g, s: export.main(
        ["--what", "sale-records", "--data-dir", str(d), "-o", str(s / "out.csv")])),
    Command("catalog-import", lambda d, g, s: catalog_import.main(
        ["--data-dir", str(d), str(_csv(s))]), writes_ledger=True),
    Command("support-bundle", lambda d, g, s: support_bundle.main(
        ["--data-dir", str(d), "-o", str(s / "bundle.zip")])),
    Command("open-ledger", lambda d, g, s: _open(d), writes_ledger=True),
    Command("selftest", lambda d, g, s: selftest.main(["--data-dir", str(d), "--quiet"]),
            writes_ledger=True),
)
#: The disk-full suites leave the Qt selftest out (it is the till's start, ``open-ledger``).
STORAGE_COMMANDS = tuple(c for c in COMMANDS if c.name != "selftest")


def _open(data: Path) -> int:
    """The till's own path to the ledger (bootstrap calls this)."""
    try:
        open_ledger(data).close()
    except TillError as exc:
        print(f"ireti-till: {exc}", file=sys.stderr)
        return 2
    return 0


# --- the rule -----------------------------------------------------------------------------

def sales_in(path: Path) -> set[str]:
    with contextlib.suppress(sqlite3.Error, OSError):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            return {str(r[0]) for r in conn.execute("SELECT id FROM sales")}
        finally:
            conn.close()
    return set()


def sales_everywhere(data: Path) -> set[str]:
    found: set[str] = set()
    for path in data.rglob("*.sqlite3"):
        found |= sales_in(path)
    return found


def check_rule(data: Path, good: Path, good_sha: str, ids: frozenset[str], status: int,
               out: str, err: str, command: str) -> None:
    assert "Traceback" not in err and "Traceback" not in out, f"{command}: {err}"
    assert ids <= sales_everywhere(data), f"{command} lost sales"
    if good.exists():
        assert sha(good) == good_sha, f"{command} changed the good backup"
    else:  # rotated away: only for a newer verified backup that holds every sale
        newer = [p for p in (data / "backups").glob("ireti-till-*.sqlite3")
                 if ids <= sales_in(p)]
        assert newer, f"{command} removed the last good backup"
    if command.startswith("doctor"):  # a report, not a refusal: every problem names its guide
        problems = [line for line in out.splitlines() if line.startswith(("WARN", "FAIL"))]
        assert out.count("(see docs/troubleshooting.md#") >= len(problems), out
    elif status != 0:
        assert CODE.search(err) or CODE.search(out) or "BROKEN" in out, (
            f"{command} refused without a code: {err or out}")


def run_captured(capsys: pytest.CaptureFixture[str], fn: Callable[[], int]) -> tuple[int, str,
                                                                                      str]:
    capsys.readouterr()
    status = fn()
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def copy_world(golden: Path, target: Path) -> Path:
    shutil.copytree(golden, target, symlinks=True)
    return target

