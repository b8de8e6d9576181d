"""Card payments' adapters: the Stripe gateway (or the training emulator) and the payments
core on the ledger (``build_core``, called by ``composition.payments`` on its helper thread).

In training the emulator runs in a child process (``adapters.emulator_process``), keeping
its objects in ``<data_dir>/training-stripe.json``; a location and a ``simulated-wpe``
reader are registered once and their ids kept in the ledger's settings. In test or live
mode the key comes from the OS keyring; a live key is refused in training (the gateway
checks). Import ``stripe`` first through ``composition.tricks.import_stripe_sync_only``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ireti_till.adapters.config_file import KEYRING_SERVICE, STRIPE_KEY_USER, AppConfig
from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore

log = logging.getLogger("ireti_till.app")
EMULATOR_STATE = "training-stripe.json"
TRAINING_READER_CODE = "simulated-wpe"
TRAINING_API_KEY = "sk_test_ireti_till_emulator"  # = training.DEFAULT_API_KEY
#: The training emulator runs in a child process (the till keeps ~10 MB less and the child
#: stops with it); False keeps it in this process (tests that drive the emulator object).
EMULATOR_IN_CHILD = True


class Emulator(Protocol):
    @property
    def base_url(self) -> str: ...
    @property
    def api_key(self) -> str: ...

    def stop(self) -> None: ...


def stripe_key(mode: str) -> str | None:
    """The Stripe secret key for ``mode`` from the OS keyring (never logged)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode))
    except Exception:  # noqa: BLE001 - no usable keyring: reported as "card payments off"
        return None


def ensure_training_reader(core: PaymentsCore, store_name: str) -> None:
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


def start_emulator(state_file: Path) -> Emulator:
    from ireti_till.adapters.emulator_process import EmulatorProcess, can_spawn

    if EMULATOR_IN_CHILD and can_spawn():
        return EmulatorProcess.start(state_file, TRAINING_API_KEY)
    from ireti_till.training import Emulator as InProcess
    from ireti_till.training import EmulatorConfig

    return InProcess.start(EmulatorConfig(state_file=state_file))


def build_core(ledger: Ledger, data_dir: Path, config: AppConfig, training: bool,
               recorder: MetricsRecorder | None,
               started: list[Emulator]) -> PaymentsCore:
    """The payments core (the emulator it talks to, if any, is appended to ``started`` at
    once, so it is stopped even if this raises afterwards)."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.crash import crash_point
    from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from ireti_till.services.payments_core import PaymentsCore

    on_call = recorder.stripe_call_observer() if recorder is not None else None
    if training:
        emulator = start_emulator(data_dir / EMULATOR_STATE)
        started.append(emulator)
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
        ensure_training_reader(core, config.store.store_name)
    return core
