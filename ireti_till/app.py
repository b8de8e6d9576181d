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
import getpass
import importlib.metadata
import importlib.resources  # noqa: F401 - see the comment below the imports
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# No SQLAlchemy on the way to the first screen on an ordinary start: see
# bootstrap/fast_start.py. importlib.metadata/resources (imported above) import each other
# circularly and helper threads import modules that need them: loading them first means no
# thread ever sees a half-initialised one (LedgerOpener also retries a failed import).
from ireti_till import __version__
from ireti_till.adapters.config_file import AppConfig, load_config
from ireti_till.adapters.paths import log_dir, resolve_data_dir
from ireti_till.bootstrap.fast_start import FastStartOpener, LazyLedger, when_focused, wire_fast
from ireti_till.bootstrap.ledger import LedgerOpener, importer, prepare_ledger
from ireti_till.domain.errors import ConfigError, LedgerError, OperationsError

# Qt, the UI and SQLAlchemy are imported inside functions: on an ordinary start the ledger
# (SQLAlchemy) opens on a helper thread once the first screen is up, else while Qt starts.
if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ireti_till.adapters.db.fast_read import FastReads
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.instance_lock import InstanceLock
    from ireti_till.bootstrap.ops import OpsWiring
    from ireti_till.bootstrap.payments import PaymentsRuntime
    from ireti_till.bootstrap.staff_prep import StaffPrep
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.ui.error_screen import StartupProblem
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")
#: ops and card payments are wired this long after the first screen is shown, so their
#: imports (APScheduler, stripe, the emulator) never compete with drawing it
LATE_START_MS = 400


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


def qt_app() -> QApplication:
    """The QApplication with the shipped fonts and theme (see ireti_till.ui.application)."""
    from ireti_till.bootstrap.late import drop_pyside_source_cache
    from ireti_till.ui.application import qt_app as make

    # As soon as PySide6 is loaded, stop its import hook keeping every later module's
    # source in memory (PYSIDE-2029, 10-25 MB), before the ledger thread loads SQLAlchemy.
    drop_pyside_source_cache()
    return make()


@dataclass
class Till:
    data_dir: Path
    config: AppConfig
    ledger: Ledger
    service: SaleService
    window: MainWindow
    staff: StaffUi | None = None
    ops: OpsWiring | None = None
    training: bool = False
    cards: CardTenderUi | None = None  # card tender on the sale screen
    payments: PaymentsRuntime | None = None  # gateway, core and worker, once started
    #: background work started once the sale screen is shown (ops jobs, payments)
    starters: list[Callable[[], None]] = field(default_factory=list)
    #: shutdown steps of the wired parts (ops jobs, payments worker), run newest first
    closers: list[Callable[[], None]] = field(default_factory=list)
    _closed: bool = False

    def start_background(self) -> None:
        """Wire ops and card payments, start their schedulers (after the window is shown:
        nothing on the way to the first screen). A starter may add more starters."""
        while self.starters and not self._closed:
            self.starters.pop(0)()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.window.import_task.stop()
        for close in reversed(self.closers):
            try:
                close()
            except Exception:
                log.exception("shutdown step failed")
        if self.staff is not None:
            try:
                self.staff.close({"till_id": self.config.store.till_id})
            except Exception:
                log.exception("audit stop entry not recorded")
        self.ledger.close()


def build_till(data_dir: Path, *, force_training: bool = False, cashier: str | None = None,
               seed_demo: bool = True, config: AppConfig | None = None,
               opener: LedgerOpener | None = None, staff: bool | None = None,
               staff_prep: StaffPrep | None = None, reads: FastReads | None = None) -> Till:
    """Config, ledger, demo catalog, service, window and staff sign-in for ``data_dir``
    (raises TillError).

    ``config`` and ``opener`` let main() load the configuration and start opening the
    ledger before Qt is up; by default both happen here. ``staff`` (default: on unless a
    ``cashier`` is named, as benchmarks and screen tests do) puts the sign-in screen first.
    ``reads`` (from ``FastStartOpener.fast_reads``) builds the screen without waiting for
    the ledger (bootstrap/fast_start.py)."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.main_window import MainWindow, ScreenContext

    if config is None:
        config = load_config(data_dir)
    training = config.training or force_training
    with_staff = cashier is None if staff is None else staff
    if opener is None:
        opener = LedgerOpener(data_dir, prepare_ledger(config, training, seed_demo))
        opener.run()
    # The service and the window need no database to be built: build them while the
    # ledger opens on its thread, then wait for it before anything can be scanned.
    who = cashier or ("Not signed in" if with_staff else _default_cashier())
    service = SaleService(opener.uow_factory, config.store, SystemClock(), who, training,
                          read_uow_factory=reads)
    ctx = ScreenContext(store=config.store, training=training, cashier=who,
                        receipts_dir=data_dir / "receipts",
                        import_catalog=importer(opener, config),  # type: ignore[arg-type]
                        beep=config.ui.beep)
    window = MainWindow(service, ctx)
    if reads is not None and isinstance(opener, FastStartOpener):
        fast = Till(data_dir, config, LazyLedger(opener), service, window,  # type: ignore[arg-type]
                    training=training)
        try:
            wire_fast(fast, opener, reads, with_staff=with_staff, training=training,
                      staff_prep=staff_prep)
        except BaseException:
            window.deleteLater()
            raise
        for warning in config.warnings:
            window.messages.warn(warning)
        return fast
    try:
        ledger = opener.result()
    except BaseException:
        window.deleteLater()
        raise
    till = Till(data_dir, config, ledger, service, window, training=training)
    try:
        if with_staff:
            from ireti_till.bootstrap.staff import wire_staff

            till.staff = wire_staff(window, ledger, data_dir, config, training,
                                    staff_prep.ctx if staff_prep is not None else None)
            from ireti_till.bootstrap.late import attach_late

            till.starters.append(lambda: attach_late(till))
    except BaseException:
        till.close()
        window.deleteLater()
        raise
    for warning in config.warnings:
        window.messages.warn(warning)
    return till


def _default_cashier() -> str:
    # Without staff sign-in (benchmarks, screen tests) the till shows the OS user.
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cashier"


def show_problem(app: QApplication, problem: StartupProblem) -> int:
    from PySide6.QtCore import QTimer

    from ireti_till.ui import error_screen

    log.error("start-up refused: %s (%s)", problem.title, problem.code)
    window = error_screen.ErrorWindow(problem)
    window.showMaximized()
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        # exit(), not quit(): quit() in Qt 6 first closes every window and leaves the
        # application refusing to activate windows afterwards (matters in tests).
        QTimer.singleShot(0, lambda: app.exit(0))
    app.exec()
    window.close()
    window.deleteLater()
    return 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ireti-till", description="Ireti Till point of sale")
    parser.add_argument("--data-dir", default=None, help="data folder (default: platformdirs)")
    parser.add_argument("--training", action="store_true",
                        help="force training mode even when a Stripe key is configured")
    return parser.parse_args(argv)


def _detect_keyring() -> None:
    # keyring scans its entry points (~0.1 s) the first time: do it beside the ledger's
    # imports, so the staff context (PIN pepper, audit key) finds it ready.
    try:
        import keyring

        keyring.get_keyring()
    except Exception:  # noqa: BLE001 - reported where the secrets are read
        return


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    threading.Thread(target=_detect_keyring, name="detect-keyring", daemon=True).start()
    data_dir: Path | None = None
    log_file: Path | None = None
    config: AppConfig | None = None
    opener: LedgerOpener | None = None
    early: BaseException | None = None
    lock: InstanceLock | None = None
    staff_prep: StaffPrep | None = None
    try:  # cheap checks first, then the ledger opens while Qt starts
        data_dir = resolve_data_dir(args.data_dir)
        from ireti_till.bootstrap.instance import take_instance_lock

        lock = take_instance_lock(data_dir)  # held until this process ends
        log_file = setup_logging(data_dir)
        log.info("Ireti Till %s starting, data in %s", __version__, data_dir)
        config = load_config(data_dir)
        from ireti_till.bootstrap.staff_prep import StaffPrep

        training = config.training or args.training
        staff_prep = StaffPrep(data_dir, config, training)  # on the ledger thread
        opener = FastStartOpener(data_dir, prepare_ledger(config, training, then=staff_prep),
                                 need_catalog=training)
        opener.begin()  # pre-flight; the ledger opens after the first screen when it can
    except (LedgerError, ConfigError, OperationsError) as exc:
        early = exc
    try:
        return _run(args, data_dir, log_file, config, opener, early, staff_prep)
    finally:
        if lock is not None:
            lock.release()


def _run(args: argparse.Namespace, data_dir: Path | None, log_file: Path | None,
         config: AppConfig | None, opener: LedgerOpener | None,
         early: BaseException | None, staff_prep: StaffPrep | None = None) -> int:
    app = qt_app()
    from ireti_till.ui.error_screen import problem_for

    if early is not None or data_dir is None:
        return show_problem(app, problem_for(early or LedgerError("no data folder"),
                                             data_dir, log_file))
    reads = opener.fast_reads() if isinstance(opener, FastStartOpener) else None
    try:
        till = build_till(data_dir, force_training=args.training, config=config, opener=opener,
                          staff_prep=staff_prep, reads=reads)
    except (LedgerError, ConfigError) as exc:
        return show_problem(app, problem_for(exc, data_dir, log_file))
    except Exception as exc:  # shown on the error screen and logged in full
        log.exception("unexpected start-up failure")
        if opener is not None:
            opener.discard()
        return show_problem(app, problem_for(exc, data_dir, log_file))
    till.window.show_on_counter()
    if isinstance(opener, FastStartOpener):  # the ledger opens once the screen takes input
        when_focused(till.window, opener.window_shown)
    from PySide6.QtCore import QTimer

    from ireti_till.bootstrap.late import start_soon

    QTimer.singleShot(LATE_START_MS, lambda: start_soon(till))
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        from ireti_till.ui.bench_hooks import exit_when_ready

        exit_when_ready(app, till.window)
    try:
        return app.exec()
    finally:
        till.window.close()
        till.close()
        log.info("Ireti Till stopped")
