"""Custody of the ledger: proof, kept beside it, that this data directory has a ledger.

``<data_dir>/ledger.custody.json`` (0600) is written once the ledger has a schema and
updated with the audit anchor chain (``FileAnchor``). It answers two questions that the
ledger itself cannot answer once it is gone:

- *has this data directory had a ledger?* A missing, zero-byte or schema-less ledger in a
  directory with a custody file (or with backups of ours) is an error, never a fresh start
  (``require_ledger``: IT-220 missing, IT-221 empty, IT-222 incomplete);
- *where was the audit chain's head?* The anchor is kept in the keyring (``SecretStoreAnchor``)
  and here (``FileAnchor``); ``ChainedAnchor`` reads the furthest of the two, so deleting the
  log, a table or the file is reported as BROKEN.

Also here: the file modes the till insists on (files 0600, folders 0700, whatever the
umask) and naming a full disk as a full disk (IT-223), never as damage.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

from ireti_till.domain.errors import LedgerError

log = logging.getLogger(__name__)

CUSTODY_FILENAME: Final = "ledger.custody.json"
DB_FILENAME: Final = "ledger.sqlite3"
BACKUP_PREFIX: Final = "ireti-till-"
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700
HISTORY: Final = 64  # anchors kept in the custody file

#: Tables every ledger of this till has (0001 core + 0002 staff/audit); a file without them
#: is not a ledger, whatever its ``alembic_version`` says.
CORE_TABLES: Final = frozenset({
    "alembic_version", "products", "receipt_counters", "sales", "sale_lines", "sale_taxes",
    "sale_tenders",
})
REQUIRED_TABLES: Final = CORE_TABLES | {"staff_users", "audit_log"}
#: Revisions stamped on a ledger older than the staff/audit tables.
_PRE_AUDIT: Final = frozenset({"0001_core", "0003_ops_metrics", "0004_payments_outbox"})

MISSING: Final = "IT-220"
EMPTY: Final = "IT-221"
INCOMPLETE: Final = "IT-222"
DISK_FULL: Final = "IT-223"
CUSTODY_DAMAGED: Final = "IT-224"
INSECURE: Final = "IT-226"
FOREIGN: Final = "IT-229"

_RESTORE: Final = ("Do not trade and do not start a new ledger: restore the last good backup "
                   "with `ireti-till restore FILE` (backups are in {backups}), or call support.")


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT, or SQLite's "database or disk is full", anywhere in the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(seen)
        if "disk is full" in text or "No space left" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def disk_full_error(where: Path, doing: str) -> LedgerError:
    return LedgerError(
        f"The disk holding {where} is full: {doing} could not be done. The ledger itself is "
        "not damaged and nothing was lost; do not restore a backup. Free some disk space "
        "(old exports, downloads, the recycle bin) and try again.", code=DISK_FULL)


# --- modes --------------------------------------------------------------------------------

def secure_file(path: Path) -> None:
    """chmod 0600 when ``path`` is a regular file we own (never follows a symlink)."""
    with contextlib.suppress(OSError):
        st = path.lstat()
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) != FILE_MODE:
            path.chmod(FILE_MODE)


def secure_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        st = path.lstat()
        if stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) != DIR_MODE:
            path.chmod(DIR_MODE)


def make_private_dir(path: Path) -> Path:
    """``mkdir -p`` with mode 0700 for the folder itself (whatever the umask)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    secure_dir(path)
    return path


def ledger_files(data_dir: Path) -> list[Path]:
    db = data_dir / DB_FILENAME
    return [db, *(Path(f"{db}{s}") for s in ("-wal", "-shm", "-journal"))]


def secure_ledger(data_dir: Path) -> None:
    """0600 on the ledger, its -wal/-shm and the custody file (the data folder itself is
    0700 when the till creates it, and never chmodded when the user chose an existing one)."""
    for path in (*ledger_files(data_dir), data_dir / CUSTODY_FILENAME):
        secure_file(path)


def loose_modes(paths: Iterable[Path]) -> list[str]:
    """Paths (with their modes) readable or writable by group or others."""
    out: list[str] = []
    for path in paths:
        try:
            st = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        if stat.S_IMODE(st.st_mode) & 0o077:
            out.append(f"{path} ({stat.S_IMODE(st.st_mode):04o})")
    return out


# --- the custody file ---------------------------------------------------------------------

def custody_path(data_dir: Path) -> Path:
    return data_dir / CUSTODY_FILENAME


def read_custody(data_dir: Path) -> dict[str, object] | None:
    """The custody record, None when there is none; IT-224 when it is unreadable."""
    path = custody_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LedgerError(f"The custody file {path} cannot be read ({exc.strerror}). Give this "
                          "user access to it; do not delete it.", code=CUSTODY_DAMAGED) from exc
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.error("custody file %s is damaged; treating the ledger as required", path)
        return {"damaged": True}
    return data


def write_private_json(path: Path, data: object, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, 0600, fsynced unless ``durable=False``."""
    tmp = path.with_name(path.name + ".partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, json.dumps(data, indent=1).encode())
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    tmp.replace(path)


def _update_custody(data_dir: Path, changes: dict[str, object], *,
                    durable: bool = True) -> None:
    current = read_custody(data_dir) or {}
    current.pop("damaged", None)
    current.setdefault("version", 1)
    current.setdefault("created", datetime.now(UTC).isoformat())
    current.update(changes)
    write_private_json(custody_path(data_dir), current, durable=durable)


def mark_ledger(data_dir: Path) -> None:
    """Record that this data directory now has a ledger, and (once its audit trail has a
    first entry) which ledger: the link of audit entry 1, unique to one ledger. Idempotent;
    never raises for a full disk (the backups and the keyring anchor are more evidence)."""
    try:
        existing = read_custody(data_dir)
        identity = _first_link(data_dir / DB_FILENAME)
        if existing is not None and not existing.get("damaged") and (
                identity is None or existing.get("identity")):
            return
        changes: dict[str, object] = {"ledger": DB_FILENAME}
        if identity is not None:
            changes["identity"] = identity
        _update_custody(data_dir, changes)
    except (OSError, LedgerError) as exc:
        log.error("could not write the custody file in %s: %s", data_dir, exc)


def _first_link(path: Path) -> str | None:
    """The link of audit entry 1 (None: no such entry, or the file cannot be read)."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            if "audit_log" in table_names(conn):
                row = conn.execute("SELECT link FROM audit_log WHERE seq = 1").fetchone()
                return str(row[0]) if row else None
        finally:
            conn.close()
    return None


def require_identity(path: Path, data_dir: Path) -> None:
    """IT-229 when the ledger's audit trail starts with another entry than the one this
    folder's ledger started with: another till's (or another install's) ledger."""
    recorded = (read_custody(data_dir) or {}).get("identity")
    found = _first_link(path) if isinstance(recorded, str) else None
    if found is not None and found != recorded:
        raise LedgerError(
            f"The ledger {path} is not the one this data folder had: its audit trail starts "
            "with another entry (another till's or another installation's ledger). Do not "
            "trade: put this till's ledger back, or restore its newest backup with "
            f"`ireti-till restore FILE` (backups are in {data_dir / 'backups'}).",
            code=FOREIGN)


def has_had_ledger(data_dir: Path) -> bool:
    """True when this directory's custody file or its backups prove a ledger existed."""
    if read_custody(data_dir) is not None:
        return True
    backups = data_dir / "backups"
    with contextlib.suppress(OSError):
        return any(backups.glob(f"{BACKUP_PREFIX}*.sqlite3"))
    return False


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def require_ledger(data_dir: Path) -> bool:
    """Refuse to go on without the ledger this directory has had.

    Returns True when the ledger file exists with content (the caller checks it further),
    False when this is a genuinely new data directory (the caller may create a ledger).
    Raises ``LedgerError`` IT-220 / IT-221 / IT-222 otherwise."""
    path = data_dir / DB_FILENAME
    try:
        size: int | None = path.stat().st_size
    except FileNotFoundError:
        size = None
    if size:
        if has_had_ledger(data_dir):
            require_schema(path, data_dir)
            require_identity(path, data_dir)
        return True
    if not has_had_ledger(data_dir):
        return False
    backups = data_dir / "backups"
    if size is None:
        raise LedgerError(f"The till's ledger {path} is missing, although this data folder "
                          "has had one. " + _RESTORE.format(backups=backups), code=MISSING)
    raise LedgerError(f"The till's ledger {path} is empty (0 bytes), although this data "
                      "folder has had a ledger. " + _RESTORE.format(backups=backups),
                      code=EMPTY)


def missing_tables(conn: sqlite3.Connection) -> set[str]:
    """The required tables ``conn``'s database lacks (for the revision stamped on it)."""
    tables = table_names(conn)
    required: frozenset[str] = REQUIRED_TABLES
    if "alembic_version" in tables:
        stamped = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
        if stamped and stamped <= _PRE_AUDIT:
            required = CORE_TABLES
    return set(required - tables)


def require_schema(path: Path, data_dir: Path) -> None:
    """IT-222 when the file at ``path`` lacks any of ``REQUIRED_TABLES``."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            missing = missing_tables(conn)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError):  # a wrecked page's bytes as a name
        return  # unreadable: the integrity check names it (IT-201)
    if missing:
        raise LedgerError(
            f"The till's ledger {path} is incomplete: the tables {', '.join(sorted(missing))} "
            "are missing. " + _RESTORE.format(backups=data_dir / "backups"), code=INCOMPLETE)


# --- the anchor kept beside the ledger ----------------------------------------------------

class Anchor(Protocol):
    def load(self) -> tuple[int, str] | None: ...
    def save(self, seq: int, link: str) -> None: ...


class FileAnchor:
    """The audit head (and the last ``HISTORY`` heads) in the custody file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._cached: tuple[tuple[int, int, int], list[tuple[int, str]]] | None = None

    def history(self) -> list[tuple[int, str]]:
        """The saved heads, oldest first (re-read only when the file changed)."""
        try:
            st = custody_path(self.data_dir).stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = (0, 0, 0)
        if self._cached is not None and self._cached[0] == stamp:
            return list(self._cached[1])
        history = self._read()
        self._cached = (stamp, history)
        return list(history)

    def _read(self) -> list[tuple[int, str]]:
        data = read_custody(self.data_dir) or {}
        out: list[tuple[int, str]] = []
        raw = data.get("anchors")
        for item in raw if isinstance(raw, list) else []:
            if (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
                    and isinstance(item[1], str)):
                out.append((item[0], item[1]))
        return out

    def load(self) -> tuple[int, str] | None:
        history = self.history()
        return history[-1] if history else None

    def save(self, seq: int, link: str) -> None:
        history = [h for h in self.history() if h[0] < seq][-(HISTORY - 1):]
        history.append((seq, link))
        # Not fsynced: after a power cut this copy may lag a little, which only makes it a
        # weaker anchor (the keyring's is read too); it never makes a good chain look broken.
        _update_custody(self.data_dir, {"ledger": DB_FILENAME,
                                        "anchors": [list(h) for h in history]}, durable=False)


class ChainedAnchor:
    """Several anchors kept in step; ``load`` answers the furthest head any of them saw."""

    def __init__(self, *anchors: Anchor) -> None:
        self._anchors = anchors

    def load(self) -> tuple[int, str] | None:
        best: tuple[int, str] | None = None
        for anchor in self._anchors:
            try:
                found = anchor.load()
            except Exception:  # one unreadable copy must not hide the other
                log.warning("an audit anchor could not be read", exc_info=True)
                continue
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return best

    def save(self, seq: int, link: str) -> None:
        errors: list[Exception] = []
        for anchor in self._anchors:
            try:
                anchor.save(seq, link)
            except Exception as exc:  # noqa: BLE001 - save the others, then report
                errors.append(exc)
        if errors and len(errors) == len(self._anchors):
            raise errors[0]
        for error in errors:
            log.warning("an audit anchor could not be saved: %s", error)
