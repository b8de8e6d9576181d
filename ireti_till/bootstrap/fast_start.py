"""Fast start: the first screen before SQLAlchemy, the full ledger opening behind it.

Importing SQLAlchemy, the models and the staff wiring costs several hundred milliseconds of
CPU, and a Python import holds the GIL, so opening the ledger on a helper thread still
delayed the first screen. On an ordinary start nothing has to happen to the database
first (``adapters.db.preflight``: file present, ``quick_check`` ok, schema at head), so:

1. ``main()`` builds a ``FastStartOpener`` instead of a ``LedgerOpener`` and calls
   ``begin()``: the pre-flight runs on a helper thread (SQLite releases the GIL) while Qt
   starts.
2. After ``qt_app()``, ``fast_reads()`` gives ``FastReads`` (stdlib ``sqlite3``) or, when
   anything is pending (first start, migration, damage...), starts the full path at once
   and gives ``None``: ``build_till`` then works exactly as before.
3. With ``reads``, ``build_till`` builds the sale service on them (scans and search need
   no SQLAlchemy), hands the ``Till`` a ``LazyLedger`` and calls ``wire_fast``: the
   sign-in screen lists the staff from the stdlib reader (``services.staff_early``).
4. Once the shown window holds the focus (``when_focused``), ``main()`` calls
   ``opener.window_shown()``: the ledger opens on its thread, and a second thread waits
   for it and builds the staff services (keyring, PIN hasher, audit), hands them to the
   sign-in screen, records ``start`` in the audit trail.

Nothing is lost or skipped: a PIN typed, or a sale paid, before the ledger is open waits
for it once (a few hundred milliseconds at most, off the screen for a PIN); ops and card
payments attach as before (``bootstrap.late``), their ``till.ledger`` waiting if needed.
If the ledger or the staff services fail to open (live mode without a keyring, a disk
error...), the blocking error screen replaces the till window, as it would have at start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.db.fast_read import FastReads
from ireti_till.adapters.db.preflight import PreflightTask
from ireti_till.bootstrap.ledger import LedgerOpener

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.bootstrap.staff_prep import StaffPrep
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")


class FastStartOpener(LedgerOpener):
    """A ``LedgerOpener`` that, on an ordinary start, opens once the first screen is up."""

    def __init__(self, data_dir: Path, prepare: Callable[[Ledger], None] | None = None, *,
                 need_catalog: bool = False) -> None:
        super().__init__(data_dir, prepare)
        self._preflight = PreflightTask(data_dir, need_catalog=need_catalog)
        self._start_lock = threading.Lock()
        self._when_shown: list[Callable[[], None]] = []
        self.reads: FastReads | None = None

    def begin(self) -> None:
        """Start the pre-flight (stdlib only) on its helper thread."""
        self._preflight.start()

    def fast_reads(self) -> FastReads | None:
        """``FastReads`` when the ledger can be read as it is; else start opening it now."""
        verdict = self._preflight.result()
        if verdict.ready:
            self.checked = True  # the pre-flight's quick_check stands for the full open
            self.reads = FastReads(verdict.path)
            return self.reads
        self.start_now()
        return None

    def start_now(self) -> None:
        """Start opening the ledger (once; later calls do nothing)."""
        with self._start_lock:
            if self.ident is None:
                self.start()

    def when_shown(self, step: Callable[[], None]) -> None:
        self._when_shown.append(step)

    def window_shown(self) -> None:
        """The first screen is up: open the ledger (if not yet) and run the steps waiting
        for this moment."""
        self.start_now()
        steps, self._when_shown = self._when_shown, []
        for step in steps:
            step()

    def result(self) -> Ledger:
        self.start_now()
        return super().result()

    def discard(self) -> None:
        if self.ident is not None:
            super().discard()
        if self.reads is not None:
            self.reads.close()


class LazyLedger:
    """Stands for the ``Ledger`` in ``Till`` on a fast start: the first use waits for it."""

    def __init__(self, opener: FastStartOpener) -> None:
        self._opener = opener

    def close(self) -> None:
        self._opener.discard()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._opener.result(), name)


def when_focused(window: QWidget, step: Callable[[], None], limit_ms: int = 1000) -> None:
    """Run ``step`` once ``window`` holds the keyboard focus (its first screen accepts
    input), or after ``limit_ms`` whatever happens: work started earlier competes with the
    screen's own start for the GIL."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    clock = QElapsedTimer()
    clock.start()

    def check() -> None:
        focus = QApplication.focusWidget()
        if (focus is not None and window.isAncestorOf(focus)) or clock.elapsed() >= limit_ms:
            step()
            return
        QTimer.singleShot(1, check)

    QTimer.singleShot(0, check)


def wire_fast(till: Any, opener: FastStartOpener, reads: FastReads, *, with_staff: bool,
              training: bool, staff_prep: StaffPrep | None = None) -> None:
    """Wire ``till`` (built on ``reads`` and a ``LazyLedger``). The background work starts
    at ``opener.window_shown()`` (main() calls it after ``show()``), or at the first call
    that needs the ledger or the staff services (tests may skip it). ``staff_prep``, when
    the opener runs it, has prepared the staff context on the ledger thread."""
    started = threading.Lock()
    finish: Callable[[], None] | None = None

    def begin() -> None:
        opener.start_now()
        if finish is not None and started.acquire(blocking=False):
            threading.Thread(target=finish, name="open-staff", daemon=True).start()

    if with_staff:
        till.staff, finish = _wire_staff_early(till.window, opener, reads, till.data_dir,
                                               till.config, training, begin, staff_prep)
        from ireti_till.bootstrap.late import attach_late

        till.starters.append(lambda: attach_late(till))
    opener.when_shown(begin)


def _wire_staff_early(window: MainWindow, opener: FastStartOpener, reads: FastReads,
                      data_dir: Path, config: AppConfig, training: bool,
                      begin: Callable[[], None],
                      staff_prep: StaffPrep | None) -> tuple[StaffUi, Callable[[], None]]:
    """The sign-in screen on ``EarlyStaffService`` now; ``finish`` (on a helper thread)
    waits for the ledger and hands the real staff services over."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.fast_read_staff import FastStaffReads
    from ireti_till.services.selling import SaleService
    from ireti_till.services.staff_early import EarlyStaffService, Later
    from ireti_till.ui.staff.attach import StaffServices, attach_staff

    clock = SystemClock()
    till_id = config.store.till_id
    staff = EarlyStaffService(FastStaffReads(reads), training=training, till_id=till_id,
                              on_wait=begin)
    audit, overrides = Later(on_wait=begin), Later(on_wait=begin)

    def make_sale_service(member: object) -> SaleService:
        return SaleService(opener.uow_factory, config.store, clock,
                           str(getattr(member, "name", member)), training,
                           read_uow_factory=reads)

    from ireti_till.bootstrap.fast_failure import FailureRelay

    relay = FailureRelay(window, data_dir)
    ui = attach_staff(window, StaffServices(cast(Any, staff), cast(Any, audit),
                                            cast(Any, overrides), config.staff.overrides),
                      make_sale_service, config.staff.idle_lock_minutes)

    def finish() -> None:
        try:
            from ireti_till.bootstrap.staff_prep import prepare_staff

            ledger = opener.result()  # runs staff_prep on the ledger thread, if given
            ctx = staff_prep.ctx if staff_prep is not None else None
            if ctx is None:
                ctx = prepare_staff(ledger, data_dir, config, training)
        except BaseException as exc:  # every sign-in now shows this error
            log.exception("staff services did not start")
            for part in (staff, audit, overrides):
                part.fail(exc)
            relay.failed.emit(exc)  # queued: the error screen opens on the GUI thread
            return
        audit.attach(ctx.audit)
        overrides.attach(ctx.overrides)
        staff.attach(ctx.staff)

    return ui, finish

