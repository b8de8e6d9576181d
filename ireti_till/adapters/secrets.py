"""Secrets in the OS keyring (service ``ireti-till``), and the training-mode fallback file.

DESIGN §9. Secrets named here: ``stripe-key`` (live or test Stripe key), ``pin-pepper``
(hex, 32 bytes), ``audit-key`` (hex, 32 bytes) and ``audit-head`` (the audit chain's last
``seq:link``, not secret but kept out of the database on purpose).

Where no OS keyring exists (headless Linux, CI: ``keyring`` falls back to its *fail*
backend and raises ``NoKeyringError``) the store says so plainly. Training mode then keeps
its own throwaway secrets in ``<data_dir>/training-secrets.json`` with owner-only
permissions (0600), so ``validate``, ``audit verify`` and the tests work there. Live mode
refuses (``KeyringUnavailable``, IT-470) rather than store a live secret anywhere else.
Secret values are never logged; only their names are.
"""

from __future__ import annotations

import json
import logging
import os
import secrets as pysecrets
import stat
from pathlib import Path
from typing import Final

import keyring
from keyring.backends import fail
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from ireti_till.domain.errors import OperationsError

log = logging.getLogger(__name__)

SERVICE: Final = "ireti-till"
TRAINING_FILE: Final = "training-secrets.json"
PIN_PEPPER: Final = "pin-pepper"
AUDIT_KEY: Final = "audit-key"
AUDIT_HEAD: Final = "audit-head"

NO_KEYRING: Final = (
    "This computer has no OS keyring (Secret Service, Windows Credential Manager or macOS "
    "Keychain), so Ireti Till cannot keep its live secrets safely. Install and unlock a "
    "keyring (on Linux: gnome-keyring or KWallet), or run in training mode."
)


class KeyringUnavailable(OperationsError):
    code = "IT-470"


def keyring_available() -> bool:
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    return not (hasattr(backend, "backends") and not backend.backends)


class SecretStore:
    def __init__(self, data_dir: Path, *, training: bool) -> None:
        self._file = data_dir / TRAINING_FILE
        self.training = training
        self.use_keyring = keyring_available()
        if not self.use_keyring and not training:
            raise KeyringUnavailable(NO_KEYRING, code="IT-470")
        if not self.use_keyring:
            log.warning("no OS keyring: training secrets are kept in %s (0600)", self._file)

    def describe(self) -> str:
        if self.use_keyring:
            return f"OS keyring ({type(keyring.get_keyring()).__name__})"
        return f"training secrets file {self._file} (no OS keyring on this computer)"

    # --- the three operations -----------------------------------------------------------
    def get(self, name: str) -> str | None:
        if self.use_keyring:
            try:
                return keyring.get_password(SERVICE, name)
            except NoKeyringError as exc:
                raise KeyringUnavailable(NO_KEYRING, code="IT-470") from exc
            except KeyringError as exc:
                raise KeyringUnavailable(
                    f"The OS keyring refused to read {name!r} ({type(exc).__name__}): unlock "
                    "it and try again", code="IT-471") from exc
        return self._read_file().get(name)

    def set(self, name: str, value: str) -> None:
        if self.use_keyring:
            try:
                keyring.set_password(SERVICE, name, value)
            except KeyringError as exc:
                raise KeyringUnavailable(
                    f"The OS keyring refused to store {name!r} ({type(exc).__name__}): "
                    "unlock it and try again", code="IT-471") from exc
            log.debug("secret %r stored in the OS keyring", name)
            return
        values = self._read_file()
        values[name] = value
        self._write_file(values)
        log.debug("secret %r stored in the training secrets file", name)

    def delete(self, name: str) -> None:
        if self.use_keyring:
            try:
                keyring.delete_password(SERVICE, name)
            except PasswordDeleteError:
                pass
            except KeyringError as exc:
                raise KeyringUnavailable(f"The OS keyring refused to delete {name!r}",
                                         code="IT-471") from exc
            return
        values = self._read_file()
        if values.pop(name, None) is not None:
            self._write_file(values)

    def ensure_random(self, name: str, nbytes: int = 32) -> bytes:
        """The secret ``name`` as bytes, created (random, hex-encoded) on first use."""
        value = self.get(name)
        if value is None:
            value = pysecrets.token_hex(nbytes)
            self.set(name, value)
        try:
            return bytes.fromhex(value)
        except ValueError as exc:
            raise KeyringUnavailable(f"The stored secret {name!r} is damaged", code="IT-472") \
                from exc

    # --- the training file --------------------------------------------------------------
    def _read_file(self) -> dict[str, str]:
        try:
            mode = self._file.stat().st_mode
        except FileNotFoundError:
            return {}
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s was readable by others; made it owner-only", self._file)
            self._file.chmod(0o600)
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KeyringUnavailable(f"The training secrets file {self._file} is damaged",
                                     code="IT-472") from exc
        if not isinstance(data, dict):
            raise KeyringUnavailable(f"The training secrets file {self._file} is damaged",
                                     code="IT-472")
        return {str(k): str(v) for k, v in data.items()}

    def _write_file(self, values: dict[str, str]) -> None:
        tmp = self._file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps(values, sort_keys=True).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if os.name == "posix":
            tmp.chmod(0o600)
        tmp.replace(self._file)


class SecretStoreAnchor:
    """``AuditAnchor`` kept in the secret store (``audit-head`` = ``"<seq>:<link hex>"``)."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def load(self) -> tuple[int, str] | None:
        value = self._store.get(AUDIT_HEAD)
        if not value or ":" not in value:
            return None
        seq, link = value.split(":", 1)
        return (int(seq), link) if seq.isdigit() else None

    def save(self, seq: int, link: str) -> None:
        self._store.set(AUDIT_HEAD, f"{seq}:{link}")
