"""Every start-up trick the till still plays, each with the figure that earns it.

Nothing else in the till patches a library, hides a module or retries an import: if a
trick is not here, it is not played. Figures are from ``benchmarks/bench_startup.py``
(2 shared CPUs, 100,000 products, offscreen; medians of 7 cold starts in one run) and
``benchmarks/bench_idle_rss.py``; re-measure before removing one.

1. **The stdlib read path** (``adapters.db.opener``, ``adapters.db.fast_read*``,
   ``adapters.db.preflight``, ``adapters.sign_in_wiring``, ``services.staff_early``): the
   first screen reads the catalog and the staff list through ``sqlite3`` while SQLAlchemy,
   the models and the staff services load behind it: 649 ms to the first screen with it,
   998 ms without, bare Qt 161 ms (2026-12-04): 35 % of start-up (the bar is 25 %).
2. ``preload_importlib``: ``importlib.metadata``/``resources`` import each other
   circularly; loaded on the main thread once the first screen holds the focus, before
   the helper threads that use them (alembic, keyring's entry points), so none sees a
   half-initialised one (~25 ms the bare window never pays). ``retry_import_on_main``
   retries once on the main thread what is left of that CPython race.
3. ``drop_pyside_source_cache``: PySide6's import hook (PYSIDE-2029) keeps the source of
   every later module in ``linecache``: 10-25 MB of idle RSS with SQLAlchemy and stripe.
4. ``import_stripe_sync_only``: ``import stripe`` imports ``aiohttp`` when installed
   (~23 MB of RSS; a development dependency); the till only makes synchronous calls.
5. ``detect_keyring``: keyring's entry-point scan (~0.1 s, ~90 ms of imports) on a helper
   thread once the first screen holds the focus, not competing with Qt for the GIL.
6. ``when_focused`` + ``LATE_START_MS`` + ``prefetch`` + ``LATE_MODULES``: the ledger opens
   once the first screen holds the focus; the trading day, ops and card payments are
   imported on a helper thread ``LATE_START_MS`` after it and built then. With 2 and 5:
   466 ms to the first screen vs 657 ms for the code before, bare Qt 120 ms (3.89x vs
   5.49x, one run of 15 at load 2.5, 2026-12-05; ``docs/architecture.md`` has the others).
7. ``warm_catalog``: one catalog lookup on the ledger thread right after opening, so the
   first real scan finds the SQL compiled and the mappers configured.
"""

from __future__ import annotations

import importlib
import linecache
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("ireti_till.app")

#: ops and card payments are wired this long after the first screen is shown (trick 6)
LATE_START_MS = 400
#: what phases 5-6 import, loaded by ``prefetch`` on a helper thread first (trick 6)
LATE_MODULES = (  # the two phases (their wiring modules come with them) and what they
    # import on first use
    "ireti_till.composition.operations", "ireti_till.composition.payments",
    "ireti_till.ui.card_tender", "ireti_till.adapters.db.metrics_repo",
    "ireti_till.adapters.alert_checks", "ireti_till.adapters.health_probes",
    "ireti_till.ui.ops.alerts_panel", "ireti_till.ui.shift.wiring", "ireti_till.ui.shift.menu",
    "ireti_till.adapters.trading_day_wiring", "ireti_till.services.printing_health",
    "ireti_till.ui.printing.status_relay", "ireti_till.ui.printing.virtual_view",
    "ireti_till.services.shifts", "ireti_till.services.printing",
    "ireti_till.adapters.printers.virtual",
)


def preload_importlib() -> None:
    """Trick 2: on the main thread, before the ledger and keyring threads start."""
    import importlib.metadata
    import importlib.resources  # noqa: F401


def retry_import_on_main(error: BaseException | None, again: Callable[[], None]) -> bool:
    """Trick 2: True when ``error`` was a racing ``ImportError`` and ``again()`` ran."""
    if not isinstance(error, ImportError):
        return False
    log.warning("import on a helper thread failed (%s); retrying on the main thread", error)
    again()
    return True


def drop_pyside_source_cache() -> None:
    """Trick 3: answer PySide6's "does this module use PySide6?" from the file's bytes (not
    kept), and drop the source text already cached. A traceback reads what it needs."""
    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if upstream is not None and not getattr(upstream, "ireti_uncached", False):
        def uses_pyside(module: Any) -> bool:
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or not path.endswith(".py"):
                return bool(upstream(module))
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                return bool(upstream(module))

        uses_pyside.ireti_uncached = True  # type: ignore[attr-defined]
        feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
    linecache.clearcache()


def import_stripe_sync_only() -> None:
    """Trick 4: hide ``aiohttp`` for the one ``import stripe``, then show it again."""
    if "stripe" in sys.modules or "aiohttp" in sys.modules:
        return
    sys.modules["aiohttp"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import stripe  # noqa: F401
    finally:
        if sys.modules.get("aiohttp", 0) is None:
            del sys.modules["aiohttp"]


def warm_catalog(ledger: Any) -> None:
    """Trick 7 (``ledger`` is an open ``adapters.db.ledger.Ledger``)."""
    with ledger.read_uow() as uow:
        uow.catalog.by_gtin("0000000000000")


def detect_keyring() -> None:
    """Trick 5: pick the keyring backend on a helper thread."""
    def detect() -> None:
        try:
            import keyring

            keyring.get_keyring()
        except Exception:  # noqa: BLE001 - reported where the secrets are read
            return

    threading.Thread(target=detect, name="detect-keyring", daemon=True).start()


def when_focused(window: Any, step: Callable[[], None], limit_ms: int = 1000) -> None:
    """Trick 6: run ``step`` on the event loop's turn after ``window`` holds the keyboard
    focus, or after ``limit_ms`` whatever happens."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    clock = QElapsedTimer()
    clock.start()

    def check() -> None:
        focus = QApplication.focusWidget()
        if (focus is not None and window.isAncestorOf(focus)) or clock.elapsed() >= limit_ms:
            QTimer.singleShot(0, step)  # the next turn: the screen takes input first
            return
        QTimer.singleShot(1, check)

    QTimer.singleShot(0, check)


def prefetch(modules: Iterable[str], then: Callable[[], None]) -> None:
    """Trick 6: import ``modules`` on a helper thread, then call ``then`` (hand it a bound
    signal emitter: it runs on that thread)."""
    def run() -> None:
        drop_pyside_source_cache()
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:  # reported when the GUI thread imports it again
                log.exception("prefetch of %s failed", name)
        then()

    threading.Thread(target=run, name="import-late", daemon=True).start()
