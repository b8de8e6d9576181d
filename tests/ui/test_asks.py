"""``ui/dialogs/asks.py``: file, text and notice dialogs open with ``open()`` and return
at once; the answer comes through ``then`` (nothing on Cancel); a closed dialog is reused."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ireti_till.ui.dialogs.asks import ask_open_path, ask_save_path, ask_text, inform


def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_save_path_answers_through_then_and_cancel_says_nothing(
        qtbot: QtBot, tmp_path: Path) -> None:
    owner = parent(qtbot)
    got: list[Path] = []
    dialog = ask_save_path(owner, "Save", "out.csv", "CSV (*.csv)", got.append)
    assert dialog.isVisible() and got == []  # returned before any answer
    assert dialog in QApplication.topLevelWidgets()
    dialog.reject()
    assert got == []
    again = ask_save_path(owner, "Save", "out.csv", "CSV (*.csv)", got.append)
    assert again is dialog  # reused, the old callback dropped
    again.selectFile(str(tmp_path / "out.csv"))
    again.accept()
    assert got == [tmp_path / "out.csv"]


def test_open_path_picks_an_existing_file(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text("sku\n", encoding="utf-8")
    got: list[Path] = []
    owner = parent(qtbot)  # the dialog lives as long as its parent
    dialog = ask_open_path(owner, "Import", str(tmp_path), "CSV (*.csv)", got.append)
    dialog.selectFile(str(tmp_path / "catalog.csv"))
    dialog.accept()
    qtbot.waitUntil(lambda: got == [tmp_path / "catalog.csv"])


def test_text_and_notice(qtbot: QtBot) -> None:
    owner = parent(qtbot)
    said: list[str] = []
    asked = ask_text(owner, "Resolve", "Reason:", said.append)
    asked.setTextValue("paid by cash")
    asked.accept()
    assert said == ["paid by cash"]
    assert ask_text(owner, "Resolve", "Reason:", said.append).textValue() == ""  # fresh
    box = inform(owner, "Card reader", "Starting…")
    assert box.isVisible() and box.text() == "Starting…"
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not box.isVisible())
