"""The blocking start-up screen: the till cannot trade, and says why and what to do.

Shown instead of the sale screen when the ledger fails ``quick_check``, the
configuration is invalid, or the data directory cannot be written. It has no way to
start a sale; it shows the error code (explained in docs/troubleshooting.md), where the
data and logs are, and lets the person copy the details for support.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import ConfigError, TillError
from ireti_till.ui.theme import DANGER, TOUCH_MIN_HEIGHT, big_font, name, set_role, style


@dataclass(frozen=True, slots=True)
class StartupProblem:
    title: str  # "The sales database is damaged"
    message: str  # what happened (the error's message)
    code: str  # IT-2xx
    what_to_do: str  # the next step, in plain words
    details: str = ""  # paths: data directory, log file


class ErrorScreen(QFrame):
    def __init__(self, problem: StartupProblem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "error_screen")
        self.problem = problem
        self.setStyleSheet(
            f"#error_screen {{ background: white; border-top: 8px solid {DANGER}; }}")
        heading = QLabel("This till cannot trade right now", self)
        name(heading, "error_heading")
        heading.setFont(big_font(22))
        heading.setStyleSheet(f"color: {DANGER};")
        title = QLabel(problem.title, self)
        name(title, "error_title")
        title.setFont(big_font(16))
        title.setWordWrap(True)
        message = QLabel(problem.message, self)
        name(message, "error_message")
        message.setWordWrap(True)
        message.setFont(big_font(13, bold=False))
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        code = QLabel(f"Error code: {problem.code}", self)
        name(code, "error_code")
        code.setFont(big_font(14))
        todo_caption = QLabel("What to do", self)
        todo_caption.setFont(big_font(14))
        todo = QLabel(problem.what_to_do, self)
        name(todo, "error_what_to_do")
        todo.setWordWrap(True)
        todo.setFont(big_font(13, bold=False))
        details = QLabel(problem.details, self)
        name(details, "error_details")
        details.setWordWrap(True)
        details.setProperty("role", "muted")
        details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy details\nCtrl+C", self)
        name(self.copy_button, "error_copy")
        self.copy_button.clicked.connect(self.copy_details)
        self.quit_button = QPushButton("Close the till\nEsc", self)
        name(self.quit_button, "error_quit")
        set_role(self.quit_button, "danger")
        for button in (self.copy_button, self.quit_button):
            button.setMinimumHeight(TOUCH_MIN_HEIGHT)
            button.setMinimumWidth(200)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.quit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 32)
        layout.setSpacing(14)
        for widget in (heading, title, message, code, todo_caption, todo, details):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Copy, self, self.copy_details)

    def text(self) -> str:
        p = self.problem
        return f"{p.title}\n{p.message}\nError code: {p.code}\n{p.what_to_do}\n{p.details}"

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


class ErrorWindow(QMainWindow):
    """A window that only holds the error screen; Esc or the button closes the till."""

    def __init__(self, problem: StartupProblem) -> None:
        super().__init__()
        name(self, "error_window")
        style(self)
        self.setWindowTitle(f"Ireti Till — cannot start ({problem.code})")
        self.screen_widget = ErrorScreen(problem, self)
        self.setCentralWidget(self.screen_widget)
        self.screen_widget.quit_button.clicked.connect(self.close)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.resize(900, 600)


_TITLES = {
    "IT-201": "The sales database is damaged",
    "IT-202": "The data folder cannot be written",
    "IT-204": "The database belongs to a newer version",
    "IT-205": "The database could not be updated",
    "IT-504": "Ireti Till is already running",
}


def problem_for(error: BaseException, data_dir: Path | None,
                log_file: Path | None) -> StartupProblem:
    lines = []
    if data_dir is not None:
        lines.append(f"Data folder: {data_dir}")
    if log_file is not None:
        lines.append(f"Log file: {log_file}")
    details = "\n".join(lines)
    if isinstance(error, ConfigError):
        return StartupProblem(
            "The configuration file is invalid", error.message, error.code,
            "Correct the key named above in config.toml (the line is given), or rename the "
            "file so the till writes a fresh default, then start the till again. The till "
            "will not guess a setting.", details)
    if isinstance(error, TillError):
        todo = ("Do not trade on this till. Call support with the error code; the last good "
                "backup can be restored with 'ireti-till restore'.")
        if error.code == "IT-504":
            todo = ("Use the till window that is already open (look on the taskbar), or "
                    "close it first. Nothing was changed. A till that crashed holds no lock.")
        if error.code == "IT-202":
            todo = ("Give this computer user write access to the data folder, or start the "
                    "till with --data-dir pointing to a writable folder.")
        return StartupProblem(_TITLES.get(error.code, "The till cannot open its data"),
                              error.message, error.code, todo, details)
    return StartupProblem(
        "The till failed to start", f"Unexpected {type(error).__name__}: {error}", "IT-200",
        "Call support with the error code and the log file named below.", details)
