"""The QApplication of the till: shipped fonts, icon, theme, and where resources live.

Kept out of ``app.py`` so the composition root stays small; it only touches Qt and files
under ``resources/`` (DESIGN §13: without a shipped font a bare machine draws empty boxes).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from ireti_till import __version__
from ireti_till.ui.theme import FONT_FAMILY, apply_theme

log = logging.getLogger("ireti_till.ui")


def resources_dir() -> Path:
    """``resources/`` beside the package (source tree) or inside a frozen bundle."""
    override = os.environ.get("IRETI_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


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


def qt_app(before: Callable[[], None] | None = None) -> QApplication:
    """The QApplication (made once) with the shipped fonts, icon and theme. ``before`` runs
    first, PySide6 being imported (``app.main`` passes ``tricks.drop_pyside_source_cache``)."""
    if before is not None:
        before()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    from ireti_till.ui.gui_gc import GuiThreadGc  # Qt objects die on this thread: ui/gui_gc

    GuiThreadGc(app)
    app.setApplicationName("Ireti Till")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("ireti-till")
    icon = resources_dir() / "icons" / "ireti-till.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    families = load_fonts(resources_dir())
    apply_theme(app, FONT_FAMILY if FONT_FAMILY in families or not families else families[0])
    return app


class FailureRelay(QObject):
    """After a fast start, ``failed.emit(exc)`` from any thread replaces ``window`` by the
    blocking error screen (the ledger or the staff services failed to open late: live mode
    without a keyring, a disk error...), so nobody trades on a till that cannot write."""

    failed = Signal(object)

    def __init__(self, window: QWidget, data_dir: Path) -> None:
        super().__init__(window)
        self._window = window
        self._data_dir = data_dir
        self.screen: QWidget | None = None
        self.failed.connect(self._show)

    def _show(self, error: BaseException) -> None:
        from ireti_till.ui.error_screen import ErrorWindow, problem_for

        problem = problem_for(error, self._data_dir, None)
        log.error("start-up refused after the first screen: %s (%s)", problem.title,
                  problem.code)
        self.screen = ErrorWindow(problem)
        self.screen.show()
        self._window.hide()


class GuiCall(QObject):
    """``fire.emit()`` from any thread runs the connected slot on the GUI thread."""

    fire = Signal()
