"""Help > Support bundle…: writes the redacted zip on a pool thread with a progress bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import TillError
from ireti_till.services.support_bundle import Progress
from ireti_till.ui.dialogs.asks import ask_save_path
from ireti_till.ui.tasks import Task, runner
from ireti_till.ui.theme import name

#: (target path or None for the default place, progress callback) -> written path
BundleWriterFn = Callable[[Path | None, Progress], Path]


class SupportBundleDialog(QDialog):
    """``SupportBundleDialog(write_bundle)``; ``start(target)`` or the "Create" button.

    Signals: ``written(Path)`` or ``failed(str)``."""

    written = Signal(object)
    failed = Signal(str)

    def __init__(self, write_bundle: BundleWriterFn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Support bundle")
        name(self, "support_bundle_dialog")
        self._write_bundle = write_bundle
        self._call: Task[Path] = Task(self, self._done, self._failed,
                                      what="writing the support bundle")
        self.message = QLabel("A zip with redacted logs, metrics and health for support. "
                              "It never contains keys, PINs, card numbers or e-mail addresses.")
        self.message.setWordWrap(True)
        name(self.message, "support_bundle_message")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        name(self.progress, "support_bundle_progress")
        self.create_button = QPushButton("Create…")
        name(self.create_button, "support_bundle_create")
        self.create_button.clicked.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.create_button)

    def _choose(self) -> None:
        ask_save_path(self, "Save support bundle", "ireti-till-support.zip", "Zip (*.zip)",
                      self.start)

    def start(self, target: Path | None) -> None:
        self.create_button.setEnabled(False)
        self.message.setText("Collecting…")
        step = runner().on_gui(self._on_step)  # progress, from the pool thread
        write = self._write_bundle

        def job() -> Path:
            return write(target, step)

        self._call.start(job)

    def _on_step(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.message.setText(f"Collecting {what}…")

    def _done(self, path: object) -> None:
        self.create_button.setEnabled(True)
        self.progress.setValue(self.progress.maximum())
        self.message.setText(f"Saved to {path}. Send this file to support.")
        self.written.emit(path)

    def _failed(self, exc: TillError) -> None:
        self.create_button.setEnabled(True)
        self.progress.setValue(0)
        self.message.setText(f"The bundle was not written: {exc}")
        self.failed.emit(str(exc))
