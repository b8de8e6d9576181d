"""Till > Import catalog…: runs the catalog import on a worker thread with a progress dialog.

The import (validate every row, then write all in one unit of work) can take seconds for
a large file, so it runs on the UI's task pool (``ui.tasks``), which hands progress, the
result or the error back on the GUI thread. Cancel makes the next progress call raise,
which rolls the import back: nothing is imported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ireti_till.domain.errors import InputError, TillError
from ireti_till.ui.dialogs.asks import ask_open_path
from ireti_till.ui.messages import MessageStrip
from ireti_till.ui.tasks import Task, runner
from ireti_till.ui.theme import name

if TYPE_CHECKING:
    from ireti_till.services.catalog_import import ImportResult

log = logging.getLogger("ireti_till.ui")

Progress = Callable[[int, int], None]
CatalogImporter = Callable[[Path, Progress], "ImportResult"]


class ImportCancelled(InputError):
    code = "IT-183"


SHOW_AFTER_MS = 400


def _import_failed(exc: Exception) -> TillError:
    return TillError(f"The import failed ({type(exc).__name__}); nothing was imported",
                     code="IT-180")


class CatalogImportTask(QObject):
    """``finished(ok, text)`` fires on the GUI thread when an import ends."""

    finished = Signal(bool, str)

    def __init__(self, importer: CatalogImporter | None, window: QWidget,
                 messages: MessageStrip, restore_focus: Callable[[], None]) -> None:
        super().__init__(window)
        self._restore_focus = restore_focus
        self._importer = importer
        self._window = window
        self._messages = messages
        self._cancel = threading.Event()
        self._task: Task[ImportResult] = Task(self, self._on_done, self._on_failed,
                                              what="the catalog import", when_busy="refuse",
                                              unexpected=_import_failed)
        self.dialog: QProgressDialog | None = None

    def set_importer(self, importer: CatalogImporter) -> None:
        """The importer to run from now on (the composition root's audited one)."""
        self._importer = importer

    @property
    def running(self) -> bool:
        return self._task.running

    def choose_and_run(self) -> None:
        """The file dialog opens with ``open()`` (no nested event loop); ``run`` once a
        file is chosen."""
        ask_open_path(self._window, "Import catalog", str(Path.home()),
                      "CSV files (*.csv);;All files (*)", self.run)

    def run(self, path: Path) -> None:
        if self._importer is None or self.running:
            return
        self._cancel.clear()
        dialog = QProgressDialog(f"Importing {path.name}…", "Cancel", 0, 0, self._window)
        name(dialog, "import_progress")
        dialog.setWindowTitle("Import catalog")
        # shown only if the import runs longer than this: a refusal or a small file must not
        # flash a window (a dialog hidden before the platform activated it takes the
        # activation with it, and the scan field would lose the keyboard)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.canceled.connect(lambda: self._cancel.set())
        dialog.setValue(0)  # starts the minimum-duration timer
        self.dialog = dialog
        importer, cancel = self._importer, self._cancel
        report = runner().on_gui(self._on_progress)
        self._task.start(lambda: _work(importer, path, cancel, report))

    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(min(done, total))

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            shown = self.dialog.isVisible()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
            if shown:
                self._window.activateWindow()  # the keyboard returns to the till's window
        self._restore_focus()

    def _on_done(self, result: ImportResult) -> None:
        self._close_dialog()
        text = f"Imported {result.imported} products"
        if result.skipped:
            text += f"; {result.skipped} invalid rows skipped"
        self._messages.info(text)
        log.info("catalog import from the UI: %s", text)
        self.finished.emit(True, text)

    def _on_failed(self, error: TillError) -> None:
        self._close_dialog()
        self._messages.error(error)
        self.finished.emit(False, str(error))

    def stop(self) -> None:
        """Cancel a running import and wait briefly for it to roll back (window closing)."""
        self._cancel.set()
        self._task.wait(timeout=5)


def _work(importer: CatalogImporter, path: Path, cancel: threading.Event,
          report: Progress) -> ImportResult:
    """On a pool thread: the import, with progress at most once a percent; Cancel makes the
    next progress call raise, which rolls the whole import back."""
    last = [-1]

    def progress(done: int, total: int) -> None:
        if cancel.is_set():
            raise ImportCancelled("Import cancelled: nothing was imported")
        step = (done * 100 // total) if total else 0
        if step != last[0]:
            last[0] = step
            report(done, total)

    try:
        return importer(path, progress)
    except OSError as exc:
        raise InputError(f"Cannot read {path.name}: {exc.strerror or exc}",
                         code="IT-182") from exc
