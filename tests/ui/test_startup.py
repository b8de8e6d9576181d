"""Start-up: the blocking error screen for a ledger/config/data-dir problem, and selftest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import ireti_till.app as app_module
from ireti_till.commands import selftest
from ireti_till.ui import error_screen
from ireti_till.ui.error_screen import ErrorWindow, StartupProblem

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[StartupProblem]:
    """Run app.main() to its error screen and quit at once; collect what it showed."""
    problems: list[StartupProblem] = []

    class Recording(ErrorWindow):
        def __init__(self, problem: StartupProblem) -> None:
            super().__init__(problem)
            problems.append(problem)

    monkeypatch.setattr(error_screen, "ErrorWindow", Recording)
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    return problems


def test_damaged_ledger_shows_blocking_screen(data_dir: Path,
                                              shown: list[StartupProblem]) -> None:
    (data_dir / "ledger.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 4096)
    assert app_module.main(["--data-dir", str(data_dir)]) == 2
    [problem] = shown
    assert problem.code == "IT-201"
    assert problem.title == "The sales database is damaged"
    assert "Do not trade" in problem.what_to_do and str(data_dir) in problem.details


def test_invalid_config_names_the_key(data_dir: Path, shown: list[StartupProblem]) -> None:
    from ireti_till.adapters.config_file import load_config

    config = load_config(data_dir).path  # the default file, then one bad value in it
    text = config.read_text(encoding="utf-8")
    assert 'currency = "EUR"' in text
    config.write_text(text.replace('currency = "EUR"', 'currency = "EURO"'), encoding="utf-8")
    line = text.splitlines().index(next(ln for ln in text.splitlines()
                                        if ln.startswith('currency = "EUR"'))) + 1
    assert app_module.main(["--data-dir", str(data_dir)]) == 2
    [problem] = shown
    assert problem.code.startswith("IT-21")
    assert "currency" in problem.message and f"line {line}" in problem.message
    assert not (data_dir / "ledger.sqlite3").exists()  # refused before opening the ledger
    assert not (data_dir / "ledger.sqlite3").exists()  # refused before touching the ledger


def test_data_dir_that_cannot_be_written(tmp_path: Path, shown: list[StartupProblem]) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert app_module.main(["--data-dir", str(not_a_dir)]) == 2
    [problem] = shown
    assert problem.code == "IT-202"
    assert "write access" in problem.what_to_do


def test_error_screen_says_what_and_what_to_do(qtbot: QtBot) -> None:
    problem = StartupProblem("The sales database is damaged", "quick_check failed",
                             "IT-201", "Do not trade; call support.", "Data folder: /x")
    window = ErrorWindow(problem)
    qtbot.addWidget(window)
    window.show()
    screen = window.screen_widget
    assert screen.findChild(type(screen.copy_button), "error_quit") is not None
    text = screen.text()
    for part in ("damaged", "IT-201", "Do not trade", "/x"):
        assert part in text
    screen.copy_details()
    from PySide6.QtGui import QGuiApplication

    assert "IT-201" in QGuiApplication.clipboard().text()
    window.screen_widget.quit_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_good_start_reaches_a_ready_scan_field(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRETI_BENCH_EXIT_ON_READY", "1")
    assert app_module.main(["--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "IRETI_READY" in out and "rss_kb=" in out
    assert (data_dir / "ledger.sqlite3").exists()
    assert (data_dir / "logs").is_dir()


def test_selftest_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert selftest.main(["--data-dir", str(blocker)]) == 1
    assert "selftest FAILED" in capsys.readouterr().err


def test_selftest_command_returns_0(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("IRETI_DATA_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "ireti_till", "selftest", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr
    assert "selftest OK" in result.stdout
    assert "receipt T01-000001 shown" in result.stdout


def test_ledger_opener_retries_a_racy_import_on_the_main_thread(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from ireti_till.adapters.db import ledger as ledger_module
    from ireti_till.composition.ledger import LedgerOpener

    real = ledger_module.open_ledger
    threads: list[str] = []

    def racy(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        if len(threads) == 1:  # the helper thread loses the import race
            raise ModuleNotFoundError("No module named 'importlib.resources'")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_module, "open_ledger", racy)
    opener = LedgerOpener(data_dir)
    ledger = opener.result()
    try:
        assert ledger.path == data_dir / "ledger.sqlite3" and ledger.path.exists()
        assert threads == ["open-ledger", threading.main_thread().name]
    finally:
        ledger.close()


def test_ledger_opener_hands_over_ledger_errors(data_dir: Path) -> None:
    from ireti_till.composition.ledger import LedgerOpener
    from ireti_till.domain.errors import LedgerError

    (data_dir / "ledger.sqlite3").write_bytes(b"not a database" * 100)
    opener = LedgerOpener(data_dir)
    opener.start()
    with pytest.raises(LedgerError) as raised:
        opener.result()
    assert raised.value.code == "IT-201"
