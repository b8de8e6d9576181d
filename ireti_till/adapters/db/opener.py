"""Open the ledger on a helper thread, after a stdlib pre-flight (for the composition root).

``LedgerOpener(data_dir, prepare, fast=True)``: ``begin()`` runs the pre-flight
(``preflight``: file present, ``quick_check`` ok, schema at head) on a helper thread while
Qt starts; ``fast_reads()`` then gives ``FastReads`` (stdlib ``sqlite3``) for the first
screen or, when anything must happen to the file first (first start, migration,
damage...), starts the full open at once and gives None. On a fast start the full open
(SQLAlchemy, migrations check, ``prepare``) starts at ``window_shown()`` (the first screen
holds the focus) or at the first call that needs it (``result()``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.db.fast_read import FastReads
from ireti_till.adapters.db.preflight import PreflightTask

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.uow import SqlUnitOfWork

Retry = Callable[[BaseException | None, Callable[[], None]], bool]


class LedgerOpener(threading.Thread):
    def __init__(self, data_dir: Path, prepare: Callable[[Ledger], None] | None = None, *,
                 fast: bool = False, need_catalog: bool = False,
                 retry: Retry | None = None) -> None:
        """``retry(error, again)``: given what the helper thread raised, may run ``again``
        on the calling thread and say so (the composition root's import-race retry)."""
        super().__init__(name="open-ledger", daemon=True)
        self._retry = retry
        self.data_dir = data_dir
        self._prepare = prepare
        #: the file passed ``quick_check`` in this process's pre-flight (skip a second one)
        self.checked = False
        self._ledger: Ledger | None = None
        self._error: BaseException | None = None
        self._start_lock = threading.Lock()
        self._when_shown: list[Callable[[], None]] = []
        self.reads: FastReads | None = None
        self._preflight = PreflightTask(data_dir, need_catalog=need_catalog) if fast else None

    # the pre-flight and the stdlib reads ----------------------------------------------
    def begin(self) -> None:
        if self._preflight is not None:
            self._preflight.start()

    def fast_reads(self) -> FastReads | None:
        if self._preflight is None:
            return None
        verdict = self._preflight.result()
        if verdict.ready:
            self.checked = True  # the pre-flight's quick_check stands for the full open
            self.reads = FastReads(verdict.path)
            return self.reads
        self.start_now()
        return None

    def when_shown(self, step: Callable[[], None]) -> None:
        self._when_shown.append(step)

    def window_shown(self) -> None:
        """The first screen is up: open the ledger (if not yet), run the waiting steps."""
        self.start_now()
        steps, self._when_shown = self._when_shown, []
        for step in steps:
            step()

    # the full ledger ------------------------------------------------------------------
    def start_now(self) -> None:
        """Start opening the ledger (once; later calls do nothing)."""
        with self._start_lock:
            if self.ident is None:
                self.start()

    def run(self) -> None:
        try:
            from ireti_till.adapters.db.ledger import open_ledger

            ledger = open_ledger(self.data_dir, checked=self.checked)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            self._error = exc
            return
        try:
            if self._prepare is not None:
                self._prepare(ledger)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            ledger.close()
            self._error = exc
            return
        self._ledger = ledger

    def result(self) -> Ledger:
        """The open ledger (starts and waits for it; raises what the opening raised)."""
        self.start_now()
        self.join()
        error, self._error = self._error, None
        if self._retry is None or not self._retry(error, self.run):
            self._error = error
        if self._error is not None:
            raise self._error
        assert self._ledger is not None
        return self._ledger

    def uow_factory(self) -> SqlUnitOfWork:
        """The ledger's unit of work; waits for the ledger if it is still opening."""
        return self.result().uow_factory()

    def discard(self) -> None:
        """Close the ledger if it opened, and the stdlib reads."""
        if self.ident is not None:
            self.join()
        if self._ledger is not None:
            self._ledger.close()
        if self.reads is not None:
            self.reads.close()
