"""``Till``: everything ``compose()`` built, typed and frozen.

Parts that exist from the first screen are plain fields; parts a later phase builds are
``Deferred`` fields (``ops``, ``payments``, ``cards``, ``refund_screen``, ``trading_day``,
``backoffice``), resolved on the
GUI thread by the operations and payments phases. ``lifecycle`` holds the steps run after
the window is shown (``start_background``) and at shutdown (``close``), so a phase adds
its background work with one typed call: ``till.lifecycle.on_start(step)`` /
``till.lifecycle.on_close(step)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig
from ireti_till.services.deferred import Deferred
from ireti_till.services.lifecycle import Lifecycle

if TYPE_CHECKING:
    from ireti_till.adapters.backoffice_wiring import Backoffice
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
    from ireti_till.adapters.payments_wiring import Emulator
    from ireti_till.adapters.stream_wiring import StreamWiring
    from ireti_till.adapters.trading_day_wiring import TradingDay
    from ireti_till.composition.ledger import LedgerOpener
    from ireti_till.services.backup import BackupService
    from ireti_till.services.health import HealthReport
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.services.selling import SaleService
    from ireti_till.services.support_bundle import Progress
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.ops.menu import OpsMenu
    from ireti_till.ui.refunds.attach import RefundScreen
    from ireti_till.ui.staff.attach import StaffUi
    from ireti_till.worker.ops_jobs import OpsJobs
    from ireti_till.worker.sync import SyncWorker

log = logging.getLogger("ireti_till.app")


@dataclass(frozen=True, slots=True)
class OpsTools:
    """``health(data_dir)``: the full health report; ``panel(data_dir)``: the cheap checks
    the metrics panel shows (both ``commands.doctor``); ``bundle(data_dir, target,
    progress)``: write the support bundle (``commands.support_bundle``)."""

    health: Callable[[Path], HealthReport]
    panel: Callable[[Path], HealthReport]
    bundle: Callable[[Path, Path | None, Progress | None], Path]


@dataclass(frozen=True, slots=True)
class OpsWiring:
    recorder: MetricsRecorder
    store: SqlMetricsStore
    backups: BackupService
    jobs: OpsJobs
    menu: OpsMenu


@dataclass
class PaymentsRuntime:
    """What the helper thread built; ``close()`` stops it in the right order."""

    core: PaymentsCore | None = None
    worker: SyncWorker | None = None
    emulator: Emulator | None = None
    stream: StreamWiring | None = None  # the back-office stream (enrolled tills only)
    thread: threading.Thread | None = None
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.closed.set()
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(timeout=15)
        if self.stream is not None:
            self.stream.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.emulator is not None:
            self.emulator.stop()


@dataclass(frozen=True)  # no __slots__: Qt connects to its methods through a weak reference
class Till:
    data_dir: Path
    config: AppConfig
    training: bool
    opener: LedgerOpener
    service: SaleService
    window: MainWindow
    staff: StaffUi | None
    ops: Deferred[OpsWiring] = field(default_factory=lambda: Deferred("operations"))
    payments: Deferred[PaymentsRuntime] = field(default_factory=lambda: Deferred("payments"))
    cards: Deferred[CardTenderUi] = field(default_factory=lambda: Deferred("card tender"))
    refund_screen: Deferred[RefundScreen] = field(
        default_factory=lambda: Deferred("refund screen"))
    #: shifts, the print queue and the printer (built with the staff phase)
    trading_day: Deferred[TradingDay] = field(default_factory=lambda: Deferred("trading day"))
    #: the back-office client (resolved only when this till is enrolled)
    backoffice: Deferred[Backoffice] = field(default_factory=lambda: Deferred("back office"))
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    @property
    def ledger(self) -> Ledger:
        """The open ledger (on a fast start, the first use waits for it to open)."""
        return self.opener.result()

    def payments_core(self) -> PaymentsCore | None:
        """The card payments' core once that phase has built it, else None."""
        runtime = self.payments.peek()
        return runtime.core if runtime is not None else None

    def start_background(self) -> None:
        """Run the start steps (ops, card payments...); a step may add more steps."""
        self.lifecycle.start()

    def close(self) -> None:
        if self.lifecycle.closed:
            return
        self.window.import_task.stop()
        self.lifecycle.close()
        if self.staff is not None:
            try:
                self.staff.close({"till_id": self.config.store.till_id})
            except Exception:
                log.exception("audit stop entry not recorded")
        self.opener.discard()
