"""Card payments: the Stripe gateway (or the training emulator), the payments core, the sync
worker, start-up recovery, and the hand-over to the screen (``ui.card_tender``).

Everything that imports ``stripe`` or talks to the network runs on a helper thread started
*after* the sale screen is shown, so neither is on the way to the first scan. In training
mode the built-in emulator starts in a child process (loopback only; see
``bootstrap/emulator_child.py``), keeping its objects in
``<data_dir>/training-stripe.json`` so a restart keeps its PaymentIntents; a location and a
``simulated-wpe`` reader are registered once and their ids kept in the ledger's settings.
In test or live mode the key comes from the OS keyring and calls go to Stripe itself; a
live key is refused in training (the gateway checks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER, AppConfig
from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.worker.sync import SyncWorker

log = logging.getLogger("ireti_till.app")
EMULATOR_STATE = "training-stripe.json"
TRAINING_READER_CODE = "simulated-wpe"
TRAINING_API_KEY = "sk_test_ireti_till_emulator"  # = training.DEFAULT_API_KEY


@dataclass
class PaymentsRuntime:
    """What the helper thread built; ``close()`` stops it in the right order."""

    core: PaymentsCore | None = None
    worker: SyncWorker | None = None
    emulator: Any = None
    thread: threading.Thread | None = None
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.closed.set()
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(timeout=15)
        if self.worker is not None:
            self.worker.stop()
        if self.emulator is not None:
            self.emulator.stop()


def stripe_key(mode: str) -> str | None:
    """The Stripe secret key for ``mode`` from the OS keyring (never logged)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode))
    except Exception:  # noqa: BLE001 - no usable keyring: reported as "card payments off"
        return None


def _ensure_training_reader(core: PaymentsCore, store_name: str) -> None:
    """Training: register a location and a ``simulated-wpe`` reader once (ids kept)."""
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


#: The training emulator runs in a child process (bootstrap/emulator_child.py: the till
#: keeps ~10 MB less and the child stops with it); False keeps it in this process (tests
#: that drive the emulator object; a frozen build, which has no ``python -m``).
EMULATOR_IN_CHILD = True


def _start_emulator(state_file: Path) -> Any:
    from ireti_till.bootstrap.emulator_child import EmulatorProcess, can_spawn

    if EMULATOR_IN_CHILD and can_spawn():
        return EmulatorProcess.start(state_file, TRAINING_API_KEY)
    from ireti_till.training import Emulator, EmulatorConfig

    return Emulator.start(EmulatorConfig(state_file=state_file))


def _import_stripe_sync_only() -> None:
    """Import ``stripe`` without its async HTTP client: at import it picks one and imports
    ``aiohttp`` if installed (~23 MB of RSS; a development dependency, not in the
    installer). The till only makes synchronous calls (``RequestsClient``), so aiohttp
    is hidden for that one import, then visible again to anything else in the process."""
    import sys

    if "stripe" in sys.modules or "aiohttp" in sys.modules:
        return
    sys.modules["aiohttp"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import stripe  # noqa: F401
    finally:
        if sys.modules.get("aiohttp", 0) is None:
            del sys.modules["aiohttp"]


def start_payments(ledger: Ledger, data_dir: Path, config: AppConfig, training: bool,
                   recorder: MetricsRecorder | None, signals: Any,
                   on_ready: Callable[[PaymentsCore, SyncWorker], None],
                   on_failed: Callable[[str], None], scheduler: Any = None) -> PaymentsRuntime:
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
           training: bool, recorder: MetricsRecorder | None, signals: Any,
           scheduler: Any = None) -> None:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
    _import_stripe_sync_only()
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from ireti_till.services.payments_core import PaymentsCore
    from ireti_till.worker.sync import SyncWorker

    on_call = recorder.stripe_call_observer() if recorder is not None else None
    if training:
        runtime.emulator = _start_emulator(data_dir / EMULATOR_STATE)
        gateway = StripeGateway(runtime.emulator.api_key, base_url=runtime.emulator.base_url,
                                training=True, on_call=on_call)
    else:
        key = stripe_key(config.stripe.mode)
        if key is None:
            raise TillError(f"No Stripe {config.stripe.mode} key in the keyring",
                            code="IT-340")
        gateway = StripeGateway(key, training=False, on_call=on_call)
    from ireti_till.adapters.crash import crash_point

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
    runtime.worker = SyncWorker(core, signals, scheduler=scheduler)  # recovery runs first
    runtime.worker.start()


def attach_payments(till: Any) -> Any:
    """Card payments for an ``app.Till`` with staff: the screen side now, the rest (stripe,
    emulator, worker) once the window is shown (``till.start_background``)."""
    from ireti_till.domain.staff import Permission
    from ireti_till.ui.card_tender import CardTenderUi
    from ireti_till.worker.signals import PaymentSignals

    staff = till.staff
    training = till.config.training or till.training
    signals = PaymentSignals(till.window)

    def who() -> str:
        member = staff.current
        return member.user_id if member is not None else "system"

    cards = CardTenderUi(till.window, signals, training=training, who=who)

    def follow_role(_role: object = None) -> None:
        cards.set_permissions(queue=staff.can(Permission.RESOLVE_QUEUE),
                              readers=staff.can(Permission.CHANGE_SETTINGS))

    staff.role_changed.append(follow_role)
    follow_role()
    staff.unsent_work = lambda: cards.unsent
    # Closing the till (window close, Till > Quit) with card work unsent: a supervisor
    # approves first, as for Sign out (DESIGN §6).
    from ireti_till.ui.payments.close_guard import CloseGuard

    CloseGuard(till.window, lambda: staff.gate, lambda: cards.unsent,
               till.window.controller._refuse)
    recorder = till.ops.recorder if till.ops is not None else None
    scheduler = till.ops.jobs.scheduler if till.ops is not None else None  # the one scheduler

    def start() -> None:
        till.payments = start_payments(till.ledger, till.data_dir, till.config, training,
                                       recorder, signals, cards.ready.emit, cards.failed.emit,
                                       scheduler)

    def close() -> None:
        if till.payments is not None:
            till.payments.close()

    till.starters.append(start)
    till.closers.append(close)
    till.cards = cards
    return cards
