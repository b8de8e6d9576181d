"""Shared frame for till dialogs: a title, a body, an inline error line, big buttons.

Errors from the service are shown inside the dialog (with their code) and the dialog
stays open, so nothing typed is lost; Esc always cancels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import LedgerError, TillError
from ireti_till.ui.theme import big_font, name, set_role, style

log = logging.getLogger("ireti_till.ui")
T = TypeVar("T")


class StillOpen(Exception):
    """Raised by a dialog's action that goes on elsewhere (a supervisor's PIN is being
    asked): the dialog stays open and shows nothing; the action closes it when it is done."""


def unexpected(exc: BaseException) -> TillError:
    """A cashier-facing error for an exception no layer turned into a TillError."""
    return LedgerError(
        f"Something went wrong ({type(exc).__name__}); nothing was changed. Try again, and "
        "if it keeps happening call a supervisor", code="IT-200")


class TillDialog(QDialog):
    def __init__(self, object_name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, object_name)
        style(self)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(480)
        self.title = QLabel(title, self)
        self.title.setFont(big_font(16))
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.error = QLabel("", self)
        name(self.error, f"{object_name}_error")
        set_role(self.error, "dialog-error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.error)
        layout.addLayout(self.buttons)

    def add_button(self, object_name: str, text: str, role: str = "",
                   slot: Callable[[], object] | None = None) -> QPushButton:
        button = QPushButton(text, self)
        name(button, object_name)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if role:
            set_role(button, role)
        if slot is not None:
            button.clicked.connect(lambda _checked=False: slot())
        self.buttons.addWidget(button)
        return button

    def add_cancel_button(self) -> QPushButton:
        return self.add_button(f"{self.objectName()}_cancel", "Cancel\nEsc", slot=self.reject)

    def show_error(self, error: TillError | str) -> None:
        text = str(error)
        self.error.setText(text)
        self.error.setVisible(True)
        log.info("dialog %s refused input: %s", self.objectName(),
                 error.code if isinstance(error, TillError) else text)
        QApplication.beep()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.setVisible(False)

    def attempt(self, work: Callable[[], T]) -> T | None:
        """Run ``work``; on a ``TillError`` show it here and return None."""
        try:
            result = work()
        except StillOpen:
            self.clear_error()
            return None
        except TillError as exc:
            self.show_error(exc)
            return None
        except Exception as exc:  # e.g. a disk error under the ledger: say so, keep state
            log.exception("unexpected error in %s", self.objectName())
            self.show_error(unexpected(exc))
            return None
        self.clear_error()
        return result
