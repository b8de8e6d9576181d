"""Structured logging: JSON lines in the log directory, rotated, redacted on every handler.

``configure_logging(log_dir)`` installs on the root logger:

- a ``RotatingFileHandler`` writing one JSON object per line to ``<log_dir>/ireti-till.log``
  (5 MB x 10 files by default);
- a console handler on stderr (plain text, warnings and above by default);
- the same ``RedactionFilter`` on both, so no secret reaches any output.

If the log directory cannot be created or written, the file handler is skipped, a clear
warning (IT-510) goes to stderr, and the till keeps trading. Calling it again replaces the
handlers it installed before (tests and the CLI may call it more than once).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ireti_till.domain.redaction import REDACTED, is_sensitive_key, redact_text, redact_value

LOG_FILE_NAME = "ireti-till.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 10
LOG_DIR_UNWRITABLE = "IT-510"

_MARK = "_ireti_handler"
# Attributes every LogRecord has; anything else was passed through ``extra=``.
_STANDARD = frozenset(
    vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None)).keys()
) | {"message", "asctime", "taskName"}


class RedactionFilter(logging.Filter):
    """Scrubs the message, its arguments, extras and traceback text of a record in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ireti_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and not key.startswith("_"):
                setattr(record, key, REDACTED if is_sensitive_key(key) else redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        record._ireti_redacted = True
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, extras, exc (when any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "thread": record.threadName,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


#: ``extra={SHOWN: True}``: the message was already printed for the person (a command's
#: error line); it goes to the log file, not to the console a second time.
SHOWN = "ireti_shown"


def _not_shown(record: logging.LogRecord) -> bool:
    return not getattr(record, SHOWN, False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and the GUI swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.addFilter(_not_shown)

    def format(self, record: logging.LogRecord) -> str:
        """One line for the person at the console; the traceback goes to the log file."""
        if record.exc_info or record.exc_text or record.stack_info:
            exc = record.exc_info[1] if record.exc_info else None
            short = logging.makeLogRecord({**record.__dict__, "exc_info": None,
                                           "exc_text": None, "stack_info": None})
            text = super().format(short)
            return f"{text} ({type(exc).__name__}: {redact_text(str(exc))})" if exc else text
        return super().format(record)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _remove_ours(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are created 0600 (and the folder 0700) whatever the umask."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        """A log line that cannot be written (full disk) is never a traceback on screen:
        one line on stderr the first time, then silence until a write works again."""
        if getattr(self, "_failing", False):
            return
        self._failing = True
        exc = sys.exc_info()[1]
        with contextlib.suppress(Exception):
            sys.stderr.write(f"ireti-till: the log file {self.baseFilename} cannot be written "
                             f"({type(exc).__name__}: {exc}); logging to the console only "
                             "(IT-510)\n")

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if getattr(self, "_failing", False) and self.stream is not None:
            with contextlib.suppress(Exception):
                self.stream.flush()
                self._failing = False


def _file_handler(log_dir: Path, max_bytes: int, backup_count: int) -> logging.Handler:
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        log_dir.chmod(0o700)
    handler = _PrivateRotatingFileHandler(
        log_dir / LOG_FILE_NAME, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(JsonLinesFormatter())
    return handler


def configure_logging(
    log_dir: Path,
    level: str = "INFO",
    *,
    console_level: str = "WARNING",
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path | None:
    """Install the till's handlers on the root logger; returns the log file path, or None
    when logging fell back to stderr only."""
    root = logging.getLogger()
    _remove_ours(root)
    root.setLevel(level.upper())
    redaction = RedactionFilter()

    console = _StderrHandler()
    console.setLevel(console_level.upper())
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console.addFilter(redaction)
    setattr(console, _MARK, True)
    root.addHandler(console)

    log_file: Path | None = log_dir / LOG_FILE_NAME
    try:
        file_handler = _file_handler(log_dir, max_bytes, backup_count)
    except OSError as exc:
        log_file = None
        # The console handler is WARNING+ by default, so this reaches the person at stderr.
        root.warning(
            "Cannot write logs to %s (%s): logging to the console only. The till keeps "
            "trading; fix the folder's permissions or free disk space (%s, see "
            "docs/troubleshooting.md#it-510-log-directory-not-writable).",
            log_dir,
            exc.strerror or exc,
            LOG_DIR_UNWRITABLE,
        )
    else:
        file_handler.addFilter(redaction)
        setattr(file_handler, _MARK, True)
        root.addHandler(file_handler)
    logging.captureWarnings(True)
    return log_file


def installed_handlers() -> list[logging.Handler]:
    """The handlers ``configure_logging`` installed (for the health check and tests)."""
    return [h for h in logging.getLogger().handlers if getattr(h, _MARK, False)]


def log_to_data_dir(data_dir: Path) -> Path | None:
    """``configure_logging`` into the data directory's log folder (``adapters.paths``)."""
    from ireti_till.adapters.paths import log_dir

    return configure_logging(log_dir(data_dir))
