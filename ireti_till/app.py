"""The composition root: the one place that knows every layer.

``main(argv)`` starts the till: data directory, logging, the shipped font, configuration,
the ledger (checked, backed up, migrated), the demo catalog on a first training start,
the sale service and the main window. A problem that means the till must not trade
(damaged ledger, invalid configuration, read-only data directory) opens the blocking
error screen instead. Nothing on the way to the first scan imports ``stripe`` or other
heavy modules (benchmarks/bench_startup.py keeps that honest).

``build_till()`` is the same assembly without the event loop, for the self-test and tests.

Benchmark hook: with ``IRETI_BENCH_EXIT_ON_READY=1`` the till prints
``IRETI_READY <unix time> rss_kb=<VmRSS>`` once the scan field has focus, then quits
(after ``IRETI_BENCH_IDLE_MS`` milliseconds of idling, default 0).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING


def _prefetch_ledger() -> None:
    """Import the ledger (SQLAlchemy: the slowest import on the way to the first scan) on a
    helper thread while the main thread loads Qt. A failure here is ignored: the real import
    in build_till() raises it again where it is reported."""
    with contextlib.suppress(Exception):
        importlib.import_module("ireti_till.adapters.db.ledger")


if os.environ.get("IRETI_PREFETCH", "1") != "0":  # IRETI_PREFETCH=0: for A/B benchmarks
    threading.Thread(target=_prefetch_ledger, name="prefetch-ledger", daemon=True).start()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QFontDatabase, QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ireti_till import __version__  # noqa: E402
from ireti_till.adapters.config_file import AppConfig, load_config  # noqa: E402
from ireti_till.adapters.paths import log_dir, resolve_data_dir  # noqa: E402
from ireti_till.domain.errors import ConfigError, LedgerError, TillError  # noqa: E402
from ireti_till.services.selling import SaleService  # noqa: E402
from ireti_till.ui.error_screen import ErrorWindow, StartupProblem  # noqa: E402
from ireti_till.ui.main_window import MainWindow, ScreenContext  # noqa: E402
from ireti_till.ui.theme import FONT_FAMILY, apply_theme  # noqa: E402

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger

log = logging.getLogger("ireti_till.app")


def resources_dir() -> Path:
    """``resources/`` beside the package (source tree) or inside a frozen bundle."""
    override = os.environ.get("IRETI_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def setup_logging(data_dir: Path) -> Path | None:
    """JSON-lines logging via adapters.logging_setup when present, else a rotating file."""
    logs = log_dir(data_dir)
    try:
        from ireti_till.adapters.logging_setup import configure_logging
    except ImportError:
        import logging.handlers

        path = logs / "ireti-till.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000,
                                                       backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.INFO)
        return path
    return configure_logging(logs)


def load_fonts(resources: Path) -> list[str]:
    """Register the shipped TTFs (DESIGN §13: a bare machine has no fonts). Returns families."""
    families: list[str] = []
    for ttf in sorted((resources / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(ttf))
        if font_id < 0:
            log.warning("font %s could not be loaded", ttf.name)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        log.warning("no shipped font loaded from %s: text may render as empty boxes", resources)
    return families


def qt_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Ireti Till")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("ireti-till")
    icon = resources_dir() / "icons" / "ireti-till.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    families = load_fonts(resources_dir())
    apply_theme(app, FONT_FAMILY if FONT_FAMILY in families or not families else families[0])
    return app


@dataclass
class Till:
    data_dir: Path
    config: AppConfig
    ledger: Ledger
    service: SaleService
    window: MainWindow

    def close(self) -> None:
        self.window.import_task.stop()
        self.ledger.close()


def _demo_catalog(resources: Path) -> Path | None:
    found = sorted((resources / "catalog").glob("*.csv"))
    return found[0] if found else None


def _importer(ledger: Ledger, config: AppConfig) -> Callable[..., object]:
    def run(path: Path, progress: Callable[[int, int], None]) -> object:
        from ireti_till.services.catalog_import import import_csv

        with path.open(encoding="utf-8-sig", newline="") as stream:
            return import_csv(ledger.uow_factory, stream, currency=config.store.currency,
                              tax_codes={r.code for r in config.store.tax_rates},
                              progress=progress)

    return run


def build_till(data_dir: Path, *, force_training: bool = False,
               cashier: str | None = None, seed_demo: bool = True) -> Till:
    """Config, ledger, demo catalog, service and window for ``data_dir`` (raises TillError)."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.ledger import open_ledger

    config = load_config(data_dir)
    training = config.training or force_training
    ledger = open_ledger(data_dir)
    try:
        demo = _demo_catalog(resources_dir())
        if training and seed_demo and demo is not None:
            ledger.seed_catalog_if_empty(demo, config.store)
        who = cashier or _default_cashier()
        service = SaleService(ledger.uow_factory, config.store, SystemClock(), who, training)
        ctx = ScreenContext(store=config.store, training=training, cashier=who,
                            receipts_dir=data_dir / "receipts",
                            import_catalog=_importer(ledger, config),  # type: ignore[arg-type]
                            beep=config.ui.beep)
        window = MainWindow(service, ctx)
    except BaseException:
        ledger.close()
        raise
    for warning in config.warnings:
        window.messages.warn(warning)
    return Till(data_dir, config, ledger, service, window)


def _default_cashier() -> str:
    # Until staff sign-in exists (issue 5) the till shows the operating-system user.
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cashier"


_TITLES = {
    "IT-201": "The sales database is damaged",
    "IT-202": "The data folder cannot be written",
    "IT-204": "The database belongs to a newer version",
    "IT-205": "The database could not be updated",
}


def problem_for(error: BaseException, data_dir: Path | None,
                log_file: Path | None) -> StartupProblem:
    lines = []
    if data_dir is not None:
        lines.append(f"Data folder: {data_dir}")
    if log_file is not None:
        lines.append(f"Log file: {log_file}")
    details = "\n".join(lines)
    if isinstance(error, ConfigError):
        return StartupProblem(
            "The configuration file is invalid", error.message, error.code,
            "Correct the key named above in config.toml (the line is given), or rename the "
            "file so the till writes a fresh default, then start the till again. The till "
            "will not guess a setting.", details)
    if isinstance(error, TillError):
        todo = ("Do not trade on this till. Call support with the error code; the last good "
                "backup can be restored with 'ireti-till restore'.")
        if error.code == "IT-202":
            todo = ("Give this computer user write access to the data folder, or start the "
                    "till with --data-dir pointing to a writable folder.")
        return StartupProblem(_TITLES.get(error.code, "The till cannot open its data"),
                              error.message, error.code, todo, details)
    return StartupProblem(
        "The till failed to start", f"Unexpected {type(error).__name__}: {error}", "IT-200",
        "Call support with the error code and the log file named below.", details)


def show_problem(app: QApplication, problem: StartupProblem) -> int:
    log.error("start-up refused: %s (%s)", problem.title, problem.code)
    window = ErrorWindow(problem)
    window.show()
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        QTimer.singleShot(0, app.quit)
    app.exec()
    return 2


def _rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _bench_ready(app: QApplication, window: MainWindow) -> None:
    def ready() -> None:
        if not window.scan.field.hasFocus():
            QTimer.singleShot(1, ready)
            return
        print(f"IRETI_READY {time.time():.6f}", flush=True)
        idle_ms = int(os.environ.get("IRETI_BENCH_IDLE_MS", "0"))

        def finish() -> None:
            print(f"IRETI_RSS rss_kb={_rss_kb()} stripe_loaded={'stripe' in sys.modules}",
                  flush=True)
            app.quit()

        QTimer.singleShot(idle_ms, finish)

    QTimer.singleShot(0, ready)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ireti-till", description="Ireti Till point of sale")
    parser.add_argument("--data-dir", default=None, help="data folder (default: platformdirs)")
    parser.add_argument("--training", action="store_true",
                        help="force training mode even when a Stripe key is configured")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    app = qt_app()
    data_dir: Path | None = None
    log_file: Path | None = None
    try:
        data_dir = resolve_data_dir(args.data_dir)
        log_file = setup_logging(data_dir)
        log.info("Ireti Till %s starting, data in %s", __version__, data_dir)
        till = build_till(data_dir, force_training=args.training)
    except (LedgerError, ConfigError) as exc:
        return show_problem(app, problem_for(exc, data_dir, log_file))
    except Exception as exc:  # shown on the error screen and logged in full
        log.exception("unexpected start-up failure")
        return show_problem(app, problem_for(exc, data_dir, log_file))
    till.window.show()
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        _bench_ready(app, till.window)
    try:
        return app.exec()
    finally:
        till.close()
        log.info("Ireti Till stopped")
