"""Non-blocking stand-ins for Qt's static helpers (``QFileDialog.getSaveFileName``,
``getOpenFileName``, ``QInputDialog.getText``, ``QMessageBox.information``).

Those helpers run a nested event loop (``exec()``): timers, worker signals and the card
reader's updates would be delivered inside them, re-entering code that is half way through.
Each function here opens its dialog with ``open()`` and returns it at once; the answer
arrives through ``then`` (nothing is called when the person cancels). Every dialog has an
object name, so tests find it among ``QApplication.topLevelWidgets()``.

A dialog is kept by its parent and reused the next time (one of each kind per parent),
not freed on close: a dialog freed by a deferred delete while a test (or a slot) still
held its Python wrapper crashed PySide6 6.11 ("shared QObject was deleted directly").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

SAVE_FILE = "save_file_dialog"
OPEN_FILE = "open_file_dialog"
ASK_TEXT = "ask_text_dialog"
NOTICE = "notice_dialog"

D = TypeVar("D", bound=QDialog)


def _dialog(kind: type[D], parent: QWidget | None, object_name: str) -> D:
    """The parent's closed dialog of this kind (its old callback dropped), or a new one."""
    if parent is not None:
        old = parent.findChild(kind, object_name, Qt.FindChildOption.FindDirectChildrenOnly)
        if old is not None and not old.isVisible():
            with contextlib.suppress(RuntimeError, TypeError):  # nothing connected
                old.finished.disconnect()
            return old
    dialog = kind(parent)
    dialog.setObjectName(object_name)
    return dialog


def _open(dialog: QDialog, accepted: Callable[[], None] | None = None) -> None:
    """Open it; ``accepted()`` once it was accepted (read in ``finished``)."""

    def finished(result: int) -> None:
        if result == QDialog.DialogCode.Accepted and accepted is not None:
            accepted()

    dialog.finished.connect(finished)
    dialog.open()


def _file_dialog(dialog: QFileDialog, title: str, filters: str,
                 then: Callable[[Path], None]) -> QFileDialog:
    dialog.setWindowTitle(title)
    dialog.setNameFilter(filters)

    def accepted() -> None:
        files = [f for f in dialog.selectedFiles() if f]
        if files:
            then(Path(files[0]))

    _open(dialog, accepted)
    return dialog


def ask_save_path(parent: QWidget | None, title: str, suggested: str, filters: str,
                  then: Callable[[Path], None]) -> QFileDialog:
    """Where to save (``QFileDialog.getSaveFileName`` without the nested loop)."""
    dialog = _dialog(QFileDialog, parent, SAVE_FILE)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.selectFile(suggested)
    return _file_dialog(dialog, title, filters, then)


def ask_open_path(parent: QWidget | None, title: str, start: str, filters: str,
                  then: Callable[[Path], None]) -> QFileDialog:
    """Which existing file to read (``QFileDialog.getOpenFileName`` without the loop)."""
    dialog = _dialog(QFileDialog, parent, OPEN_FILE)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if start:
        dialog.setDirectory(start)
    return _file_dialog(dialog, title, filters, then)


def ask_text(parent: QWidget | None, title: str, label: str,
             then: Callable[[str], None]) -> QInputDialog:
    """One line of text (``QInputDialog.getText`` without the nested loop)."""
    dialog = _dialog(QInputDialog, parent, ASK_TEXT)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue("")
    _open(dialog, lambda: then(dialog.textValue()))
    return dialog


def inform(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """A notice with OK (``QMessageBox.information`` without the nested loop)."""
    box = _dialog(QMessageBox, parent, NOTICE)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    _open(box)
    return box
