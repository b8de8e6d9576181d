"""The receipt high-water mark: the highest receipt number each till ever issued, kept in a
small file beside the ledger (``receipt-mark.json``, mode 0600) as well as in the ledger.

A restore puts an older ledger file back, whose ``receipt_counters`` are behind receipts
already on customers' paper. The mark lives outside the restored file, so ``apply`` (run
when the ledger is opened, before any sale) lifts each till's counter to
``max(ledger, mark)`` and the next number continues above anything ever printed. The mark
only ever grows; it is written to a temporary file, fsynced and renamed, so a crash leaves
the old or the new mark, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, text

from ireti_till.domain.errors import LedgerError

log = logging.getLogger(__name__)

MARK_FILENAME: Final = "receipt-mark.json"
_LIFT: Final = text("UPDATE receipt_counters SET last_no = :mark "
                    "WHERE till_id = :till AND last_no < :mark")
_ADD: Final = text("INSERT OR IGNORE INTO receipt_counters (till_id, last_no) "
                   "VALUES (:till, :mark)")
_ALL: Final = text("SELECT till_id, last_no FROM receipt_counters")


class ReceiptMark:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / MARK_FILENAME
        self._lock = threading.Lock()

    def read(self) -> dict[str, int]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise LedgerError(f"The receipt mark {self.path} cannot be read ({exc.strerror})",
                              code="IT-660") from exc
        try:
            data = json.loads(raw)
            return {str(k): int(v) for k, v in data.items() if int(v) > 0}
        except (ValueError, AttributeError, TypeError) as exc:
            raise LedgerError(f"The receipt mark {self.path} is damaged: restore it from "
                              "the last backup or call support", code="IT-660") from exc

    def record(self, till_id: str, receipt_no: int) -> None:
        """Raise the mark of ``till_id`` to ``receipt_no`` (never lowers it)."""
        with self._lock:
            marks = self.read()
            if marks.get(till_id, 0) >= receipt_no:
                return
            marks[till_id] = receipt_no
            self._write(marks)

    def _write(self, marks: dict[str, int]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(marks, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(self.path)
        except OSError as exc:
            raise LedgerError(f"The receipt mark {self.path} cannot be written "
                              f"({exc.strerror})", code="IT-660") from exc

    def apply(self, engine: Engine) -> dict[str, int]:
        """Lift the ledger's counters to the mark and the mark to the ledger; returns lifts."""
        marks = self.read()
        lifted: dict[str, int] = {}
        with engine.begin() as conn:
            ledger = {str(t): int(n) for t, n in conn.execute(_ALL)}
            for till, mark in marks.items():
                if ledger.get(till, 0) < mark:
                    conn.execute(_LIFT, {"till": till, "mark": mark})
                    conn.execute(_ADD, {"till": till, "mark": mark})
                    lifted[till] = mark
        if lifted:
            log.warning("receipt numbers lifted above the restored ledger: %s", lifted)
        for till, number in ledger.items():
            if marks.get(till, 0) < number:
                self.record(till, number)
        return lifted
