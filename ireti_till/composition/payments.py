"""The payments phase: the Stripe gateway (or the training emulator), the payments core,
the sync worker, start-up recovery, and the card tender on the screen (``ui.card_tender``).

Everything that imports ``stripe`` or talks to the network runs on a helper thread started
*after* the sale screen is shown. In training the emulator runs in a child process
(``adapters.emulator_process``), keeping its objects in ``<data_dir>/training-stripe.json``;
a location and a ``simulated-wpe`` reader are registered once and their ids kept in the
ledger's settings. In test or live mode the key comes from the OS keyring; a live key is
refused in training (the gateway checks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER, AppConfig
from ireti_till.composition.till import Emulator, PaymentsRuntime
from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.composition.till import Till
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.ui.staff.attach import StaffUi
    from ireti_till.worker.scheduler import Scheduler
    from ireti_till.worker.signals import PaymentSignals
    from ireti_till.worker.sync import SyncWorker

log = logging.getLogger("ireti_till.app")
EMULATOR_STATE = "training-stripe.json"
TRAINING_READER_CODE = "simulated-wpe"
TRAINING_API_KEY = "sk_test_ireti_till_emulator"  # = training.DEFAULT_API_KEY
#: The training emulator runs in a child process (the till keeps ~10 MB less and the child
#: stops with it); False keeps it in this process (tests that drive the emulator object).
EMULATOR_IN_CHILD = True


def stripe_key(mode: str) -> str | None:
    """The Stripe secret key for ``mode`` from the OS keyring (never logged)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode))
    except Exception:  # noqa: BLE001 - no usable keyring: reported as "card payments off"
        return None


def _ensure_training_reader(core: PaymentsCore, store_name: str) -> None:
    from ireti_till.services.payment_port import Address

    if core.readers.current_reader() is not None:
        try:
            if core.readers.status() is not None:
                return
        except TillError:  # the emulator state was removed: register again
            log.info("training reader not found in the emulator; registering a new one")
    location = core.readers.create_location(f"{store_name} (training)",
                                            Address("1 Training Street", "Dublin", "IE"))
    reader = core.readers.register(TRAINING_READER_CODE, location.id, "Training reader")
    core.readers.choose_reader(reader.id, location.id)
    log.info("training reader %s registered at %s", reader.id, location.id)


def _start_emulator(state_file: Path) -> Emulator:
    from ireti_till.adapters.emulator_process import EmulatorProcess, can_spawn

    if EMULATOR_IN_CHILD and can_spawn():
        return EmulatorProcess.start(state_file, TRAINING_API_KEY)
    from ireti_till.training import Emulator as InProcess
    from ireti_till.training import EmulatorConfig

    return InProcess.start(EmulatorConfig(state_file=state_file))


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
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.crash import crash_point
    from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
    from ireti_till.composition.tricks import import_stripe_sync_only

    import_stripe_sync_only()
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.worker.sync import SyncWorker

    on_call = recorder.stripe_call_observer() if recorder is not None else None
    if training:
        runtime.emulator = emulator = _start_emulator(data_dir / EMULATOR_STATE)
        gateway = StripeGateway(emulator.api_key, base_url=emulator.base_url,
                                training=True, on_call=on_call)
    else:
        key = stripe_key(config.stripe.mode)
        if key is None:
            raise TillError(f"No Stripe {config.stripe.mode} key in the keyring",
                            code="IT-340")
        gateway = StripeGateway(key, training=False, on_call=on_call)
    core = PaymentsCore(SqlPaymentUnitOfWorkFactory(ledger.engine), gateway, SystemClock(),
                        config.store.till_id, crash=crash_point,
                        observe=recorder.payment_observer() if recorder is not None else None)
    if config.stripe.reader_id and core.readers.current_reader() is None:
        core.readers.choose_reader(config.stripe.reader_id, config.stripe.location_id or None)
    if training:
        _ensure_training_reader(core, config.store.store_name)
    runtime.core = core
    if runtime.closed.is_set():
        return
    from ireti_till.adapters.stream_wiring import start_stream

    runtime.stream = start_stream(ledger.engine, data_dir, training, core,
                                  lambda queue: signals.queue.emit(queue))
    runtime.worker = SyncWorker(core, signals, scheduler=scheduler,  # recovery runs first
                                card_pause=runtime.stream.pause if runtime.stream else None)
    runtime.worker.start()


def wire_payments(till: Till, staff: StaffUi) -> None:
    """The card tender on the screen now; stripe, the emulator and the worker once the
    window is shown (a ``lifecycle`` start step)."""
    from ireti_till.domain.staff import Permission
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.ui.payments.close_guard import CloseGuard
    from ireti_till.worker.signals import PaymentSignals

    signals = PaymentSignals(till.window)

    def who() -> str:
        member = staff.current
        return member.user_id if member is not None else "system"

    cards = CardTenderUi(till.window, signals, training=till.training, who=who)

    def follow_role(_role: object = None) -> None:
        cards.set_permissions(queue=staff.can(Permission.RESOLVE_QUEUE),
                              readers=staff.can(Permission.CHANGE_SETTINGS))

    staff.role_changed.append(follow_role)
    follow_role()
    staff.unsent_work = lambda: cards.unsent
    # Closing the till with card work unsent: a supervisor approves first (DESIGN §6).
    CloseGuard(till.window, lambda: staff.gate, lambda: cards.unsent,
               till.window.controller.refuse)
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
