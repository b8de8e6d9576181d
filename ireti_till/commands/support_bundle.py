"""``ireti-till support-bundle [-o FILE]``: a redacted zip for support (see
``services/support_bundle.py`` for what is in it)."""

from __future__ import annotations

import argparse
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ireti_till.adapters.bundle_sources import LocalBundleSources, ZipBundleWriter
from ireti_till.adapters.custody import is_disk_full
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.commands.ops_common import add_data_dir, emit, fail, open_data_dir, unexpected
from ireti_till.domain.errors import OperationsError, TillError
from ireti_till.services.support_bundle import Progress, build_bundle

log = logging.getLogger(__name__)


def metrics_csv_for(data_dir: Path) -> Callable[[], str]:
    def produce() -> str:
        db = data_dir / DB_FILENAME
        if not db.exists():
            return "no ledger yet\n"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as probe:
            if not probe.execute("SELECT 1 FROM sqlite_master WHERE name='ops_metric_hist'"
                                 ).fetchone():
                return "metrics tables not in this ledger yet\n"
        from ireti_till.adapters.db.engine import make_engine
        from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
        from ireti_till.services.metrics_query import MetricsQuery, Window, view_to_csv

        engine = make_engine(db)
        try:
            query = MetricsQuery(SqlMetricsStore(engine))
            return "\n".join(view_to_csv(query.view(w)) for w in Window)
        finally:
            engine.dispose()

    return produce


def health_for(data_dir: Path) -> Callable[[], dict[str, object]]:
    def produce() -> dict[str, object]:
        from ireti_till.commands.doctor import run_doctor

        return run_doctor(data_dir).as_dict()

    return produce


def audit_for(data_dir: Path) -> Callable[[], dict[str, object] | None]:
    def produce() -> dict[str, object] | None:
        from ireti_till.adapters.audit_ops import verify_for_bundle

        return verify_for_bundle(data_dir)

    return produce


def default_target(data_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir / f"ireti-till-support-{stamp}.zip"


def write_support_bundle(data_dir: Path, target: Path | None = None,
                         progress: Progress | None = None) -> Path:
    """Build the bundle for ``data_dir`` at ``target``; returns the path. Raises
    ``OperationsError`` (IT-502 disk full, IT-520 failed, IT-521 leak) leaving no file."""
    target = target or default_target(data_dir)
    sources = LocalBundleSources(data_dir, metrics_csv=metrics_csv_for(data_dir),
                                 health=health_for(data_dir), audit=audit_for(data_dir))
    try:
        writer = ZipBundleWriter(target)
    except OSError as exc:
        if is_disk_full(exc):
            raise OperationsError(f"The disk holding {target.parent} is full: no support "
                                  "bundle was written. Free some space or choose another "
                                  "place with -o FILE.", code="IT-502") from exc
        raise OperationsError(f"Cannot create {target} ({exc.strerror or exc}); choose "
                              "another place with -o FILE.", code="IT-520") from exc
    with writer:
        result = build_bundle(sources, writer, created=datetime.now(UTC), progress=progress)
        path = writer.commit()
    log.info("support bundle written to %s (%d members, %d sections unavailable)",
             path, len(result.members), len(result.errors))
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ireti-till support-bundle", description=__doc__)
    add_data_dir(parser)
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                        help="where to write the zip (default: in the data directory)")
    args = parser.parse_args(argv)
    try:
        data_dir = open_data_dir(args.data_dir)
        path = write_support_bundle(data_dir, args.output)
    except TillError as exc:
        return fail(exc)
    except (OSError, sqlite3.Error) as exc:
        return fail(unexpected(exc, "the support bundle", args.output))
    return 0 if emit(f"support bundle written: {path} ({path.stat().st_size} bytes)") else 1
