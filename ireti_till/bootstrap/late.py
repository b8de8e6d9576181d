"""What is wired after the first screen is up: operations and card payments.

``start_soon(till)`` imports their modules on a helper thread (APScheduler, the metrics
histograms, the payment screens: about half a second), then, back on the GUI thread,
runs ``till.start_background()``: ``attach_late`` adds the ops menu and jobs and the card
tender, whose own start (the ``stripe`` SDK, the training emulator) runs on yet another
thread. Tests call ``till.start_background()`` directly (the same steps, inline).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("ireti_till.app")

LATE_MODULES = (
    "ireti_till.bootstrap.ops", "ireti_till.bootstrap.payments", "ireti_till.ui.card_tender",
    "ireti_till.ui.ops", "ireti_till.commands.doctor", "ireti_till.commands.support_bundle",
    "ireti_till.bootstrap.refunds", "ireti_till.ui.refunds.attach",
)


def attach_late(till: Any) -> None:
    from ireti_till.bootstrap.ops import attach_ops
    from ireti_till.bootstrap.payments import attach_payments
    from ireti_till.bootstrap.refunds import attach_refunds

    attach_ops(till)
    attach_payments(till)
    try:
        attach_refunds(till)
    except Exception:  # F8 stays off with its reason; selling goes on
        log.exception("refund screen not wired")


def drop_pyside_source_cache() -> None:
    """Free the source text PySide6 read at start-up and stop it keeping more (~10-25 MB).

    PySide6's import hook (PYSIDE-2029, ``shibokensupport.feature._mod_uses_pyside``)
    looks for the string "PySide6" in the source of every module loaded, through
    ``inspect.getsource``, so each whole file stays in ``linecache`` (all of SQLAlchemy
    when the ledger thread imported it first, then stripe...). The same question is
    answered here from the file's bytes, which are not kept; the cache is dropped before
    the late imports so the memory is reused by them. A traceback reads what it needs."""
    import linecache

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


class _Relay(QObject):
    imported = Signal()


def start_soon(till: Any) -> None:
    relay = _Relay(till.window)
    relay.imported.connect(lambda: till.start_background())  # not a bound method: see ui/tasks

    def prefetch() -> None:
        drop_pyside_source_cache()
        for name in LATE_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # reported when the GUI thread imports it again
                log.exception("prefetch of %s failed", name)
        relay.imported.emit()

    threading.Thread(target=prefetch, name="import-late", daemon=True).start()
