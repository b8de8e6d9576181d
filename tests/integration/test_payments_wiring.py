"""Which Stripe the composition picks (composition/payments.py, adapters/payments_wiring.py),
without the screen.

Training: the in-process emulator with its state file, a training reader registered once
and found again after a restart. Test mode with a key in the keyring: Stripe's own API
base (no emulator). A live key never reaches a training gateway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest

from ireti_till.adapters import payments_wiring
from ireti_till.adapters.config_file import (
    DEFAULT_CONFIG,
    KEYRING_SERVICE,
    STRIPE_KEY_USER,
    load_config,
)
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.composition import payments
from ireti_till.domain.payment_errors import LiveKeyInTraining


class _Signals:
    """The worker is not started in these tests: nothing is emitted."""


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from ireti_till.worker.sync import SyncWorker

    monkeypatch.setattr(SyncWorker, "start", lambda self: None)


def _build(data_dir: Path, training: bool) -> payments.PaymentsRuntime:
    config = load_config(data_dir)
    ledger = open_ledger(data_dir)
    runtime = payments.PaymentsRuntime()
    try:
        payments._build(runtime, ledger, data_dir, config, training, None, _Signals())
    finally:
        ledger.close()
    return runtime


def test_training_starts_the_emulator_and_registers_the_reader_once(
        data_dir: Path, no_worker: None) -> None:
    first = _build(data_dir, training=True)
    try:
        assert first.core is not None and first.emulator is not None
        gateway: Any = first.core.ctx.gateway
        assert gateway.training and gateway.base_url == first.emulator.base_url
        reader = first.core.readers.current_reader()
        assert reader is not None and reader.startswith("tmr_")
    finally:
        first.close()
    assert (data_dir / payments_wiring.EMULATOR_STATE).exists()
    second = _build(data_dir, training=True)  # a restart: the emulator state is kept
    try:
        assert second.core is not None
        assert second.core.readers.current_reader() == reader
    finally:
        second.close()


def test_test_mode_with_a_key_talks_to_stripe_itself(data_dir: Path, no_worker: None) -> None:
    (data_dir / "config.toml").write_text(
        DEFAULT_CONFIG.replace('mode = "training"', 'mode = "test"'), encoding="utf-8")
    keyring.set_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode="test"),
                         "sk_test_" + "x" * 24)
    config = load_config(data_dir)
    assert config.training is False
    runtime = _build(data_dir, training=False)
    try:
        assert runtime.emulator is None and runtime.core is not None
        gateway: Any = runtime.core.ctx.gateway
        assert gateway.base_url is None and gateway.training is False
    finally:
        runtime.close()


def test_a_live_key_is_refused_in_training() -> None:
    from ireti_till.adapters.stripe_gateway import StripeGateway

    with pytest.raises(LiveKeyInTraining):
        StripeGateway("sk_live_" + "x" * 24, training=True)
