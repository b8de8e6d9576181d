"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 under Python 3.11 drops one reference to ``None`` on every Qt call that
returns nothing: after about 5,000 calls the interpreter aborts with "Fatal Python error:
none_dealloc" (the till would crash a few minutes into a shift). Python 3.12+ makes
``None`` immortal, which hides the bug. The pin in pyproject.toml keeps us off that
release; this test fails fast if a build brings it back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_qt_calls_do_not_drop_references_to_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(1000):  # well below the ~5,000 that abort the process
        label.setText(str(i % 7))
        label.setVisible(False)
    assert sys.getrefcount(None) - before > -100
