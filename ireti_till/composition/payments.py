"""The payments phase: the payments core (``adapters.payments_wiring.build_core``), the
back office's stream, the sync worker and start-up recovery on a helper thread started
*after* the sale screen is shown; the card tender on the screen (``ui.card_wiring``).
Imported only by the late start; ``stripe`` itself loads on the helper thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.payments_wiring import build_core
from ireti_till.adapters.stream_wiring import start_stream
from ireti_till.composition.till import PaymentsRuntime
from ireti_till.composition.tricks import import_stripe_sync_only
from ireti_till.ui.card_wiring import install_card_tender
from ireti_till.worker.signals import PaymentSignals
from ireti_till.worker.sync import SyncWorker

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.payments_wiring import Emulator
    from ireti_till.composition.till import Till
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.ui.staff.attach import StaffUi
    from ireti_till.worker.scheduler import Scheduler

log = logging.getLogger("ireti_till.app")


def start_payments(ledger: Ledger, data_dir: Path, config: AppConfig, training: bool,
                   recorder: MetricsRecorder | None, signals: PaymentSignals,
                   on_ready: Callable[[PaymentsCore, SyncWorker], None],
                   on_failed: Callable[[str], None],
                   scheduler: Scheduler | None = None) -> PaymentsRuntime:
    """Build and start everything on a helper thread; ``on_ready``/``on_failed`` are
    called on that thread (hand them bound signal emitters)."""
    runtime = PaymentsRuntime()

    def build() -> None:
        try:
            _build(runtime, ledger, data_dir, config, training, recorder, signals, scheduler)
        except Exception as exc:  # shown on the screen; cash keeps working
            log.exception("card payments could not start")
            code = getattr(exc, "code", "IT-399")
            on_failed(f"Card payments could not start: {exc} ({code}). Cash still works.")
            return
        if runtime.closed.is_set() or runtime.core is None or runtime.worker is None:
            return
        on_ready(runtime.core, runtime.worker)

    runtime.thread = threading.Thread(target=build, name="payments-start", daemon=True)
    runtime.thread.start()
    return runtime


def _build(runtime: PaymentsRuntime, ledger: Ledger, data_dir: Path, config: AppConfig,
           training: bool, recorder: MetricsRecorder | None, signals: PaymentSignals,
           scheduler: Scheduler | None = None) -> None:
    import_stripe_sync_only()  # before build_core imports the gateway
    started: list[Emulator] = []
    try:
        runtime.core = core = build_core(ledger, data_dir, config, training, recorder,
                                         started)
    finally:
        runtime.emulator = started[0] if started else None
    if runtime.closed.is_set():
        return
    runtime.stream = start_stream(ledger.engine, data_dir, training, core,
                                  lambda queue: signals.queue.emit(queue))
    runtime.worker = SyncWorker(core, signals, scheduler=scheduler,  # recovery runs first
                                card_pause=runtime.stream.pause if runtime.stream else None)
    runtime.worker.start()


def wire_payments(till: Till, staff: StaffUi) -> None:
    """The card tender on the screen now; stripe, the emulator and the worker once the
    window is shown (a ``lifecycle`` start step)."""
    signals = PaymentSignals(till.window)
    cards = install_card_tender(till.window, staff, signals, till.training)
    ops = till.ops.peek()
    recorder = ops.recorder if ops is not None else None
    scheduler = ops.jobs.scheduler if ops is not None else None  # the one scheduler

    def start() -> None:
        till.payments.resolve(start_payments(till.ledger, till.data_dir, till.config,
                                             till.training, recorder, signals,
                                             cards.ready.emit, cards.failed.emit,
                                             scheduler))

    def close() -> None:
        runtime = till.payments.peek()
        if runtime is not None:
            runtime.close()

    till.lifecycle.on_start(start)
    till.lifecycle.on_close(close)
    till.cards.resolve(cards)
