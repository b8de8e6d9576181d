"""A yes/no question with keys on the buttons: Y confirms, N or Esc keeps things as they are."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QWidget

from ireti_till.ui.dialogs.base import TillDialog


class ConfirmDialog(TillDialog):
    def __init__(self, object_name: str, title: str, question: str, yes_text: str,
                 no_text: str, parent: QWidget | None = None) -> None:
        super().__init__(object_name, title, parent)
        text = QLabel(question, self)
        text.setWordWrap(True)
        text.setStyleSheet("font-size: 14pt;")
        self.body.addWidget(text)
        self.no = self.add_button(f"{object_name}_no", f"{no_text}\nN / Esc", slot=self.reject)
        self.yes = self.add_button(f"{object_name}_yes", f"{yes_text}\nY", "danger",
                                   slot=self.accept)
        self.no.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.no.setDefault(True)
        self.no.setFocus()  # Enter keeps things as they are
        QShortcut(QKeySequence("Y"), self, self.accept)
        QShortcut(QKeySequence("N"), self, self.reject)
