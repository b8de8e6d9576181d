"""Keyring secrets, the training fallback file, and the scrypt PIN hasher."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from ireti_till.adapters.pin_hash import ScryptPinHasher
from ireti_till.adapters.secrets import (
    AUDIT_KEY,
    TRAINING_FILE,
    KeyringUnavailable,
    SecretStore,
)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_keyring_store_round_trip(data_dir: Path, memory_keyring) -> None:
    store = SecretStore(data_dir, training=False)
    assert store.use_keyring and store.get("stripe-key") is None
    store.set("stripe-key", "sk_test_x")
    assert memory_keyring.values[("ireti-till", "stripe-key")] == "sk_test_x"
    key = store.ensure_random(AUDIT_KEY)
    assert len(key) == 32 and store.ensure_random(AUDIT_KEY) == key
    store.delete("stripe-key")
    store.delete("stripe-key")  # deleting twice is fine
    assert store.get("stripe-key") is None
    assert not (data_dir / TRAINING_FILE).exists()


def test_live_mode_refuses_without_a_keyring(data_dir: Path, no_keyring) -> None:
    with pytest.raises(KeyringUnavailable) as info:
        SecretStore(data_dir, training=False)
    assert info.value.code == "IT-470" and "keyring" in info.value.message


def test_training_without_keyring_uses_an_owner_only_file(
    data_dir: Path, no_keyring, caplog: pytest.LogCaptureFixture
) -> None:
    store = SecretStore(data_dir, training=True)
    assert "no OS keyring" in store.describe()
    pepper = store.ensure_random("pin-pepper")
    path = data_dir / TRAINING_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SecretStore(data_dir, training=True).ensure_random("pin-pepper") == pepper
    path.chmod(0o644)
    assert store.get("pin-pepper") == pepper.hex()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.delete("pin-pepper")
    assert store.get("pin-pepper") is None
    assert pepper.hex() not in caplog.text  # never logged


def test_damaged_training_file(data_dir: Path, no_keyring) -> None:
    (data_dir / TRAINING_FILE).write_text("not json")
    with pytest.raises(KeyringUnavailable) as info:
        SecretStore(data_dir, training=True).get("x")
    assert info.value.code == "IT-472"


def test_scrypt_hash_verify_and_parameters() -> None:
    hasher = ScryptPinHasher(b"p" * 32, n=2**10)
    encoded = hasher.hash("482913")
    assert encoded.startswith("scrypt$n=1024,r=8,p=1$") and "482913" not in encoded
    assert hasher.verify("482913", encoded)
    assert not hasher.verify("482914", encoded)
    assert hasher.hash("482913") != encoded  # per-user salt
    # another install (another pepper) cannot use the hash
    assert not ScryptPinHasher(b"q" * 32, n=2**10).verify("482913", encoded)
    assert not hasher.needs_rehash(encoded)
    assert ScryptPinHasher(b"p" * 32, n=2**11).needs_rehash(encoded)
    assert ScryptPinHasher(b"p" * 32, n=2**11).verify("482913", encoded)  # old params still read


@pytest.mark.parametrize("bad", ["", "scrypt$n=3,r=8,p=1$AAAA$AAAA", "bcrypt$xyz",
                                 "scrypt$n=1024,r=8,p=1$!!$AAAA",
                                 "scrypt$n=4194304,r=8,p=1$AAAA$AAAA"])
def test_malformed_hash_never_verifies(bad: str) -> None:
    hasher = ScryptPinHasher(b"p" * 32, n=2**10)
    assert not hasher.verify("482913", bad) and hasher.needs_rehash(bad)


def test_weak_settings_refused() -> None:
    with pytest.raises(ValueError):
        ScryptPinHasher(b"short")
    with pytest.raises(ValueError):
        ScryptPinHasher(b"p" * 32, n=1000)
