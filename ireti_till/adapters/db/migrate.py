"""Schema migrations for the ledger, run programmatically at start-up.

Alembic is imported only when a migration is actually pending: the current revision is
read with plain SQL and the head is found by reading the ``revision``/``down_revision``
lines of ``migrations/versions/*.py``, so an up-to-date till starts without loading
Alembic. ``script_location`` is a path next to this file, which also works inside a
PyInstaller bundle as long as the ``migrations`` folder is shipped as data (with .py).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # the pre-flight imports this module and must not load SQLAlchemy
    from sqlalchemy import Engine

MIGRATIONS_DIR: Final[Path] = Path(__file__).resolve().parent / "migrations"
_REVISION_RE: Final = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_RE: Final = re.compile(r"^down_revision[^=\n]*=\s*(.+)$", re.M)
_QUOTED_RE: Final = re.compile(r"['\"]([^'\"]+)['\"]")


def import_all_models() -> None:
    """Import every ``models*.py`` module in ``adapters/db`` so ``Base.metadata`` is complete."""
    package = importlib.import_module("ireti_till.adapters.db")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("models"):
            importlib.import_module(f"ireti_till.adapters.db.{info.name}")


def script_revisions(script_location: Path = MIGRATIONS_DIR) -> tuple[set[str], set[str]]:
    """(all revision ids, head revision ids) read from the version files' source text."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted((script_location / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        rev = _REVISION_RE.search(text)
        if rev is None:
            continue
        revisions.add(rev.group(1))
        down = _DOWN_RE.search(text)
        if down is not None:
            downs.update(_QUOTED_RE.findall(down.group(1)))
    return revisions, revisions - downs


def current_revisions(conn: sqlite3.Connection) -> set[str]:
    """The revisions stamped in the database (one per branch head); empty if unversioned."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if not has_table:
        return set()
    return {str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")}


def backup_copy(source: Path, backup_dir: Path, label: str) -> Path:
    """Copy ``source`` with SQLite's online backup API into ``backup_dir``, atomically.

    The copy is written under a temporary name, checked with ``quick_check``, flushed to
    disk and then renamed to ``pre-migrate-<label>-<UTC time>.sqlite3``."""
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = backup_dir / f"pre-migrate-{label}-{stamp}.sqlite3"
    partial = final.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private copy
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            verdict = dst.execute("PRAGMA quick_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"backup copy failed quick_check: {verdict}")
        finally:
            dst.close()
    finally:
        src.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(final)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(backup_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return final


def upgrade(engine: Engine, script_location: Path = MIGRATIONS_DIR, target: str = "heads") -> None:
    """Run ``alembic upgrade <target>`` on ``engine`` inside one ``BEGIN IMMEDIATE``.

    The default target is ``heads`` (every branch), so revisions that different features
    chained onto the same parent all apply; a linear history behaves exactly like ``head``.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        connection.commit()
