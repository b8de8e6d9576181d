"""JSON-lines logs: redacted on every handler, rotated; a bad log folder never stops the till."""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.adapters import logging_setup
from ireti_till.adapters.logging_setup import (
    LOG_FILE_NAME,
    RedactionFilter,
    configure_logging,
    installed_handlers,
)

KEY = "sk_live_51LOGCANARY0123"


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    for handler in installed_handlers():
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def _flush() -> None:
    for handler in installed_handlers():
        handler.flush()


def test_json_lines_are_redacted_in_file_and_console(tmp_path: Path, capsys) -> None:
    path = configure_logging(tmp_path / "logs", console_level="INFO")
    assert path == tmp_path / "logs" / LOG_FILE_NAME
    assert all(any(isinstance(f, RedactionFilter) for f in h.filters)
               for h in installed_handlers())
    log = logging.getLogger("ireti_till.test")
    log.info("charging %s with %s", "4242 4242 4242 4242", KEY,
             extra={"sale_id": "s-1", "pin": "1234", "headers": {"Authorization": "Bearer x"}})
    try:
        raise RuntimeError(f"failed for a@b.com using {KEY}")
    except RuntimeError:
        log.exception("payment crashed, pin=9999")
    _flush()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    first, second = lines[-2], lines[-1]
    assert first["level"] == "INFO" and first["logger"] == "ireti_till.test"
    assert first["sale_id"] == "s-1" and first["pin"] == "[REDACTED]"
    assert first["headers"] == {"Authorization": "[REDACTED]"}
    assert "[REDACTED-PAN]" in first["msg"] and KEY not in first["msg"]
    assert "RuntimeError" in second["exc"] and KEY not in second["exc"]
    assert "a@b.com" not in second["exc"] and "9999" not in second["msg"]
    console = capsys.readouterr().err
    assert "payment crashed" in console
    for secret in (KEY, "4242 4242 4242 4242", "a@b.com", "9999"):
        assert secret not in console
        assert secret not in path.read_text()


def test_rotation_keeps_a_bounded_number_of_files(tmp_path: Path) -> None:
    configure_logging(tmp_path, max_bytes=2000, backup_count=3)
    log = logging.getLogger("ireti_till.rot")
    for i in range(400):
        log.info("line %d %s", i, "x" * 40)
    _flush()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1", f"{LOG_FILE_NAME}.2",
                     f"{LOG_FILE_NAME}.3"]
    assert all(p.stat().st_size <= 2200 for p in tmp_path.iterdir())


def test_unwritable_log_dir_falls_back_to_stderr(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "logs"
    blocker.write_text("a file, not a folder")  # root ignores permissions; this fails anyway
    path = configure_logging(blocker)
    assert path is None
    err = capsys.readouterr().err
    assert "Cannot write logs" in err and "IT-510" in err and "keeps trading" in err
    logging.getLogger("ireti_till.after").error("still logging %s", KEY)
    err = capsys.readouterr().err
    assert "still logging" in err and KEY not in err


def test_disk_full_while_logging_never_raises(tmp_path: Path, monkeypatch, capsys) -> None:
    configure_logging(tmp_path)
    file_handler = next(h for h in installed_handlers()
                        if isinstance(h, logging.handlers.RotatingFileHandler))

    def full(record: logging.LogRecord) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(file_handler, "shouldRollover", full)
    logging.getLogger("ireti_till.full").warning("sale committed")  # must not raise
    assert "No space left" in capsys.readouterr().err  # logging's own error report


def test_configure_twice_replaces_handlers(tmp_path: Path) -> None:
    configure_logging(tmp_path / "a")
    configure_logging(tmp_path / "b")
    assert len(installed_handlers()) == 2
    assert logging_setup.BACKUP_COUNT == 10 and logging_setup.MAX_BYTES == 5 * 1024 * 1024
