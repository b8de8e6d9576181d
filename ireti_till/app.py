"""``ireti-till`` with no command: start the till (``main``), on ``composition.compose``.

Data directory, the instance lock, logging, configuration and the ledger pre-flight
first (cheap, before Qt); then Qt, ``compose()`` and the event loop. A problem that means
the till must not trade (damaged ledger, invalid configuration, read-only data directory,
another till on the same data) opens the blocking error screen instead. This module sits
above ``ireti_till.commands``: it hands the health check and the support bundle to the
ops menu (``commands.ops_tools``), so the composition root never imports a command.

Benchmark hook: with ``IRETI_BENCH_EXIT_ON_READY=1`` the till prints
``IRETI_READY <unix time> rss_kb=<VmRSS>`` once the scan field has focus, then quits
(after ``IRETI_BENCH_IDLE_MS`` milliseconds of idling, default 0).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till import __version__
from ireti_till.adapters.config_file import load_config
from ireti_till.adapters.instance_lock import hold_instance_lock
from ireti_till.adapters.logging_setup import log_to_data_dir
from ireti_till.adapters.paths import resolve_data_dir
from ireti_till.commands.ops_tools import ops_tools
from ireti_till.composition import tricks
from ireti_till.composition.compose import compose, fast_opener
from ireti_till.composition.till import Till
from ireti_till.domain.errors import ConfigError, LedgerError, OperationsError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


log = logging.getLogger("ireti_till.app")


def build_till(data_dir: Path, **options: Any) -> Till:
    """``compose()`` with the ops tools (for tests and the self-test's callers)."""
    options.setdefault("tools", ops_tools())
    return compose(data_dir, **options)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ireti-till", description="Ireti Till point of sale")
    parser.add_argument("--data-dir", default=None, help="data folder (default: platformdirs)")
    parser.add_argument("--training", action="store_true",
                        help="force training mode even when a Stripe key is configured")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    data_dir = log_file = lock = None
    early: BaseException | None = None
    try:  # phase 1, pre-flight: cheap checks, then the ledger check runs while Qt starts
        data_dir = resolve_data_dir(args.data_dir)
        lock = hold_instance_lock(data_dir)  # held until this process ends
        log_file = log_to_data_dir(data_dir)
        log.info("Ireti Till %s starting, data in %s", __version__, data_dir)
        config = load_config(data_dir)
        opener, prep = fast_opener(data_dir, config, config.training or args.training)
    except (LedgerError, ConfigError, OperationsError) as exc:
        early = exc
    try:
        from ireti_till.ui.application import qt_app
        from ireti_till.ui.error_wiring import show_problem

        # tricks 3: before the ledger thread loads SQLAlchemy
        app = qt_app(before=tricks.drop_pyside_source_cache)
        if early is not None or data_dir is None:
            return show_problem(app, early or LedgerError("no data folder"), data_dir,
                                log_file)
        try:
            till = compose(data_dir, force_training=args.training, config=config,
                           opener=opener, staff_prep=prep, tools=ops_tools())
        except (LedgerError, ConfigError) as exc:
            return show_problem(app, exc, data_dir, log_file)
        except Exception as exc:  # shown on the error screen and logged in full
            log.exception("unexpected start-up failure")
            return show_problem(app, exc, data_dir, log_file)
        return _run(app, till)
    finally:
        if lock is not None:
            lock.release()


def start_soon(till: Till) -> None:
    """Phases 5-6 (``till.start_background``) on the GUI thread, once the late modules have
    been imported on a helper thread ``LATE_START_MS`` after the first screen."""
    from PySide6.QtCore import QTimer

    from ireti_till.ui.application import GuiCall

    relay = GuiCall(till.window)
    # Queued onto the GUI thread. A lambda, never the bound method of a plain object: PySide6
    # does not keep such a receiver alive (tests/ui/test_signal_lifetimes.py).
    relay.fire.connect(lambda: till.start_background())
    QTimer.singleShot(tricks.LATE_START_MS,
                      lambda: tricks.prefetch(tricks.LATE_MODULES, relay.fire.emit))


def _run(app: QApplication, till: Till) -> int:
    till.window.show_on_counter()
    till.opener.when_shown(tricks.detect_keyring)

    def shown() -> None:  # phase 3 on a fast start
        tricks.preload_importlib()  # before the helper threads start
        till.opener.window_shown()

    tricks.when_focused(till.window, shown)
    start_soon(till)
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        from ireti_till.ui.bench_hooks import exit_when_ready

        exit_when_ready(app, till.window)
    try:
        return app.exec()
    finally:
        till.window.close()
        till.close()
        log.info("Ireti Till stopped")
