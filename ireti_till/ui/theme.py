"""Look of the till: one font, a high-contrast palette, large touch targets.

The style sheet is applied per panel (``style()``), never to the whole application, so
the basket table paints without the style-sheet engine (see ``style``).

The font files live in ``resources/fonts`` and are registered by ``app.py`` with
``QFontDatabase.addApplicationFont`` (DESIGN §13: without a shipped font, a bare machine
draws empty boxes). Everything here only styles widgets; it knows nothing about sales.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

FONT_FAMILY: Final = "DejaVu Sans"
BASE_POINT_SIZE: Final = 11
TOUCH_MIN_HEIGHT: Final = 56  # px; the floor is 48 for touch targets

PRIMARY: Final = "#0f6e6e"
PRIMARY_DARK: Final = "#0a4f4f"
TEXT: Final = "#1b1b1b"
MUTED: Final = "#5a6b6b"
SURFACE: Final = "#f6f8f8"
DANGER: Final = "#b3261e"
WARNING: Final = "#8a5a00"
TRAINING: Final = "#c25e00"
LIVE: Final = "#1e7a34"

STYLE_SHEET: Final = f"""
QDialog {{ background: {SURFACE}; }}
QPushButton {{
    min-height: {TOUCH_MIN_HEIGHT}px; padding: 4px 12px; border-radius: 6px;
    border: 1px solid #9bb0b0; background: #ffffff; font-weight: bold;
}}
QPushButton:hover {{ background: #e6f0f0; }}
QPushButton:pressed {{ background: #cfe3e3; }}
QPushButton:disabled {{ color: #7d8a8a; background: #eceff0; border-color: #c9d2d2; }}
QPushButton[role="primary"] {{ background: {PRIMARY}; color: white; border-color: {PRIMARY_DARK}; }}
QPushButton[role="primary"]:hover {{ background: {PRIMARY_DARK}; }}
QPushButton[role="danger"] {{ color: {DANGER}; border-color: {DANGER}; }}
QPushButton[role="primary"]:disabled, QPushButton[role="danger"]:disabled {{
    color: #7d8a8a; background: #eceff0; border-color: #c9d2d2; }}
QLineEdit {{
    min-height: 44px; padding: 2px 8px; border: 2px solid #9bb0b0; border-radius: 6px;
    background: white; font-size: 16pt;
}}
QLineEdit:focus {{ border-color: {PRIMARY}; }}
QListWidget {{ background: white; font-size: 13pt; }}
QListWidget::item {{ padding: 6px 8px; border-bottom: 1px solid #e0e6e6; }}
QListWidget::item:selected {{ background: {PRIMARY}; color: white; }}
QStatusBar QLabel {{ padding: 2px 8px; }}
QLabel[role="badge-training"] {{ background: {TRAINING}; color: white; font-weight: bold;
    border-radius: 4px; }}
QLabel[role="badge-live"] {{ background: {LIVE}; color: white; font-weight: bold;
    border-radius: 4px; }}
QLabel[role="dialog-error"] {{ color: {DANGER}; font-weight: bold; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
"""


def apply_theme(app: QApplication, family: str = FONT_FAMILY) -> None:
    """Set the application font, a light palette and the style sheet."""
    font = QFont(family, BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f1f5f5"))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(PRIMARY))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffe0"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    app.setPalette(palette)


def style(widget: QWidget) -> None:
    """Apply the till's style sheet to ``widget`` and its children.

    Deliberately not application-wide: with an application style sheet every item of the
    basket table is painted through the (slow) style-sheet engine, which doubled the
    scan-to-line-shown time. The basket table is styled with fonts and a palette instead."""
    widget.setStyleSheet(STYLE_SHEET + widget.styleSheet())


def name(widget: QWidget, object_name: str, description: str = "") -> None:
    """Give a control its objectName and the same accessible name (tests use both)."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(object_name)
    if description:
        widget.setAccessibleDescription(description)


def set_role(widget: QWidget, role: str) -> None:
    """Switch a style-sheet role (``role="primary"``...) and re-polish the widget."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def big_font(point_size: int, bold: bool = True) -> QFont:
    font = QFont(FONT_FAMILY, point_size)
    font.setBold(bold)
    return font
