"""Where the support bundle's content comes from, and the zip it goes into.

``LocalBundleSources`` reads the data directory (logs, config.toml, the ledger read-only,
backups) and library versions; it never reads the keyring's values. ``ZipBundleWriter``
writes ``<target>.partial`` and renames it into place only when the bundle is complete, so a
failed or refused bundle leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import sqlite3
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from ireti_till import __version__
from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.logging_setup import LOG_FILE_NAME

DISTRIBUTIONS = ("PySide6-Essentials", "stripe", "SQLAlchemy", "alembic", "keyring",
                 "platformdirs", "APScheduler", "hdrhistogram", "pyqtgraph", "numpy")
QUEUE_ROWS = 200


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


class LocalBundleSources:
    def __init__(
        self,
        data_dir: Path,
        *,
        metrics_csv: Callable[[], str] | None = None,
        health: Callable[[], dict[str, object]] | None = None,
        audit: Callable[[], dict[str, object] | None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILENAME
        self.log_dir = data_dir / "logs"
        self._metrics_csv = metrics_csv
        self._health = health
        self._audit = audit

    # -- logs ---------------------------------------------------------------------------
    def log_files(self) -> list[str]:
        if not self.log_dir.is_dir():
            return []
        files = [p for p in self.log_dir.iterdir()
                 if p.is_file() and p.name.startswith(LOG_FILE_NAME)]

        def age(p: Path) -> int:  # ireti-till.log.10 is the oldest, .log the newest
            suffix = p.name[len(LOG_FILE_NAME):].lstrip(".")
            return int(suffix) if suffix.isdigit() else 0

        return [p.name for p in sorted(files, key=age, reverse=True)]

    def log_lines(self, name: str) -> Iterator[str]:
        with (self.log_dir / name).open("r", encoding="utf-8", errors="replace") as handle:
            yield from handle

    # -- sections -----------------------------------------------------------------------
    def metrics_csv(self) -> str:
        if self._metrics_csv is None:
            return "metrics not available\n"
        return self._metrics_csv()

    def versions(self) -> dict[str, object]:
        # PySide6 wheels bundle the Qt of the same version (adapters may not import Qt).
        qt = _version("PySide6-Essentials")
        return {
            "ireti_till": __version__,
            "python": sys.version,
            "platform": platform.platform(),
            "machine": platform.machine(),
            "qt_runtime": qt,
            "libraries": {d: _version(d) for d in DISTRIBUTIONS},
        }

    def config(self) -> dict[str, object]:
        path = self.data_dir / "config.toml"
        if not path.exists():
            return {"config.toml": "absent (defaults: training mode)"}
        try:
            data: dict[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return {"config.toml": f"unreadable: {type(exc).__name__}: {exc}"}
        return {"config.toml": data}  # redacted by the service (keys and values)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)

    def database(self) -> dict[str, object]:
        if not self.db_path.exists():
            return {"ledger": "absent"}
        _known, heads = migrate.script_revisions()
        conn = self._connect()
        try:
            check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()][:20]
            revisions: list[str] = []
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name='alembic_version'"
                            ).fetchone():
                revisions = sorted(r[0] for r in conn.execute(
                    "SELECT version_num FROM alembic_version"))
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            tables = sorted(r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"))
        finally:
            conn.close()
        backups = sorted(p.name for p in (self.data_dir / "backups").glob("*.sqlite3"))
        return {"quick_check": check, "revisions": revisions, "heads": sorted(heads),
                "page_count": pages, "size_bytes": self.db_path.stat().st_size,
                "tables": tables, "backups": backups[-20:]}

    def queue_summary(self) -> dict[str, object] | None:
        if not self.db_path.exists():
            return None
        conn = self._connect()
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='payment_outbox'"
                                ).fetchone():
                return None
            by_state = dict(conn.execute(
                "SELECT state, count(*) FROM payment_outbox GROUP BY state").fetchall())
            rows = conn.execute(
                "SELECT op_id, kind, state, tries, created_at, next_at, last_error "
                "FROM payment_outbox WHERE state NOT IN ('done', 'resolved') "
                "ORDER BY created_at LIMIT ?", (QUEUE_ROWS,)).fetchall()
        finally:
            conn.close()
        keys = ("op_id", "kind", "state", "tries", "created_at", "next_at", "last_error")
        return {"by_state": by_state, "open": [dict(zip(keys, r, strict=True)) for r in rows]}

    def audit_verification(self) -> dict[str, object] | None:
        return self._audit() if self._audit is not None else None

    def health(self) -> dict[str, object]:
        if self._health is None:
            return {"health": "not run"}
        return self._health()


class ZipBundleWriter:
    """A zip written under a temporary name; ``commit()`` renames it, ``abort()`` deletes it."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private
        os.fchmod(fd, 0o600)
        self._zip = zipfile.ZipFile(os.fdopen(fd, "w+b"), "w",
                                    compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    def write(self, name: str, chunks: Iterable[bytes]) -> None:
        info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)

    def read_back(self) -> Iterator[tuple[str, bytes]]:
        self._zip.close()
        with zipfile.ZipFile(self.partial) as done:
            for name in done.namelist():
                yield name, done.read(name)

    def commit(self) -> Path:
        self._zip.close()
        self.partial.replace(self.target)
        return self.target

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
