"""The support bundle: one zip IT can send to support, with nothing secret in it.

Members (each redacted on the way in, whatever its source claims):

- ``logs/<file>``: the JSON-lines logs, streamed line by line through ``redact_text``;
- ``metrics.csv``: the metrics of the last week (and hour/day sections);
- ``versions.json``: Python, OS, Qt, stripe, SQLAlchemy and the other libraries;
- ``config.json``: the configuration with secret-looking keys blanked;
- ``queue.json``: the payment queue summary (when the ledger has one);
- ``audit.json``: the audit chain verification result (when available);
- ``database.json``: ``PRAGMA quick_check`` and schema revisions;
- ``health.json``: the doctor report;
- ``errors.txt``: any section that could not be produced, and why;
- ``manifest.json`` and ``SHA256SUMS``: size and SHA-256 of every member above.

A final scan reads every member back and refuses to finish (IT-521) if redaction missed
anything, so a bundle that leaves this module has passed the same check the tests make.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ireti_till.domain.errors import OperationsError
from ireti_till.domain.redaction import (
    contains_secret,
    redact_config,
    redact_text,
    redact_value,
)

log = logging.getLogger(__name__)

BUNDLE_FAILED = "IT-520"
LEAK_DETECTED = "IT-521"
DISK_FULL = "IT-502"

Progress = Callable[[int, int, str], None]  # (done, total, what)


class BundleSources(Protocol):
    def log_files(self) -> list[str]:
        """Names of the log files, oldest first."""
        ...

    def log_lines(self, name: str) -> Iterable[str]: ...
    def metrics_csv(self) -> str: ...
    def versions(self) -> dict[str, object]: ...
    def config(self) -> dict[str, object]: ...
    def queue_summary(self) -> dict[str, object] | None: ...
    def audit_verification(self) -> dict[str, object] | None: ...
    def database(self) -> dict[str, object]: ...
    def health(self) -> dict[str, object]: ...


class BundleWriter(Protocol):
    def write(self, name: str, chunks: Iterable[bytes]) -> None: ...
    def read_back(self) -> Iterator[tuple[str, bytes]]:
        """Every member written so far (for the final leak scan)."""
        ...


@dataclass(frozen=True, slots=True)
class BundleResult:
    members: tuple[tuple[str, int, str], ...]  # name, size, sha256
    errors: tuple[str, ...]


class _Hashing:
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.sha = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.sha.update(chunk)
            self.size += len(chunk)
            yield chunk


def _json_bytes(value: object) -> bytes:
    text = json.dumps(redact_value(value), indent=2, sort_keys=True, default=str)
    return redact_text(text).encode("utf-8")


def _redacted_lines(lines: Iterable[str], batch: int = 2000) -> Iterator[bytes]:
    buf: list[str] = []
    for line in lines:
        buf.append(redact_text(line.rstrip("\n")))
        if len(buf) >= batch:
            yield ("\n".join(buf) + "\n").encode("utf-8")
            buf.clear()
    if buf:
        yield ("\n".join(buf) + "\n").encode("utf-8")


def build_bundle(
    sources: BundleSources,
    writer: BundleWriter,
    *,
    created: datetime,
    progress: Progress | None = None,
) -> BundleResult:
    """Write every member through ``writer``; returns what was written."""
    sections: list[tuple[str, Callable[[], Iterable[bytes] | None]]] = [
        ("database.json", lambda: [_json_bytes(sources.database())]),
        ("versions.json", lambda: [_json_bytes(sources.versions())]),
        ("config.json", lambda: [_json_bytes(redact_config(sources.config()))]),
        ("queue.json", lambda: _optional(sources.queue_summary())),
        ("audit.json", lambda: _optional(sources.audit_verification())),
        ("metrics.csv", lambda: [redact_text(sources.metrics_csv()).encode("utf-8")]),
        ("health.json", lambda: [_json_bytes(sources.health())]),
    ]
    try:
        log_names = sources.log_files()
    except OSError as exc:
        log_names = []
        failure: Exception = exc
        sections.append(("logs", lambda: _raise(failure)))
    for name in log_names:
        sections.append((f"logs/{name}", _log_member(sources, name)))
    total = len(sections) + 2
    members: list[tuple[str, int, str]] = []
    errors: list[str] = []
    for done, (name, produce) in enumerate(sections):
        if progress is not None:
            progress(done, total, name)
        try:
            chunks = produce()
            if chunks is None:
                errors.append(f"{name}: not available in this version or ledger")
                continue
            hashing = _Hashing(chunks)
            writer.write(name, hashing)
        except OSError as exc:  # the disk under the bundle: nothing else will fit either
            raise _write_error(exc) from exc
        except Exception as exc:  # one broken section must not lose the others
            log.exception("support bundle section %s failed", name)
            errors.append(redact_text(f"{name}: {type(exc).__name__}: {exc}"))
            continue
        members.append((name, hashing.size, hashing.sha.hexdigest()))
    if progress is not None:
        progress(total - 2, total, "manifest")
    try:
        if errors:
            data = ("\n".join(errors) + "\n").encode("utf-8")
            writer.write("errors.txt", [data])
            members.append(("errors.txt", len(data), hashlib.sha256(data).hexdigest()))
        manifest = {"created": created.isoformat(), "format": 1,
                    "members": [{"name": n, "size": s, "sha256": h} for n, s, h in members]}
        writer.write("manifest.json", [json.dumps(manifest, indent=2).encode("utf-8")])
        sums = "".join(f"{h}  {n}\n" for n, _s, h in members).encode("utf-8")
        writer.write("SHA256SUMS", [sums])
    except OSError as exc:
        raise _write_error(exc) from exc
    if progress is not None:
        progress(total - 1, total, "checking for secrets")
    leaks = [name for name, data in writer.read_back()
             if contains_secret(data.decode("utf-8", errors="replace"))]
    if leaks:
        raise OperationsError(
            f"The support bundle was not finished: a secret-looking value survived redaction in "
            f"{', '.join(leaks)}. Please report this (nothing was written).", code=LEAK_DETECTED)
    if progress is not None:
        progress(total, total, "done")
    return BundleResult(tuple(members), tuple(errors))


def _log_member(sources: BundleSources, name: str) -> Callable[[], Iterable[bytes]]:
    return lambda: _redacted_lines(sources.log_lines(name))


def _optional(value: dict[str, object] | None) -> list[bytes] | None:
    return None if value is None else [_json_bytes(value)]


def _raise(exc: Exception) -> list[bytes]:
    raise exc


def _write_error(exc: OSError) -> OperationsError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OperationsError(
            "The disk is full: the support bundle could not be written and was removed. Free "
            "some space or choose another place (-o FILE), then try again.", code=DISK_FULL)
    return OperationsError(f"The support bundle could not be written ({exc}).",
                           code=BUNDLE_FAILED)
