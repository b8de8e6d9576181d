"""The support bundle: canary secrets planted everywhere never come out; disk full is clean."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ireti_till.adapters import bundle_sources
from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
from ireti_till.adapters.logging_setup import configure_logging
from ireti_till.commands import support_bundle as bundle_cmd
from ireti_till.commands.support_bundle import write_support_bundle
from ireti_till.domain.errors import OperationsError
from ireti_till.services.metrics import MetricsRecorder
from tests.integration.ops_helpers import _reset_ops_logging, make_ledger, write_sales  # noqa: F401

KEY = "sk_live_51CANARYabcdefGHIJ0123456789"
RKEY = "rk_test_51CANARYrestricted999"
CARD_SPACED = "4242 4242 4242 4242"
CARD = "4000056655665556"
EMAIL = "canary.person@example.org"
PIN = "8642"
CANARIES = (KEY, "CANARY", RKEY, CARD_SPACED, CARD, EMAIL, "4242-4242-4242-4242")
HEX64 = re.compile(rb"[0-9a-f]{64}")


def _plant_everywhere(data_dir: Path, memory_keyring) -> None:
    memory_keyring.set_password("ireti-till", "stripe-secret-key-live", KEY)
    engine = make_ledger(data_dir)
    write_sales(engine, 5)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO payment_outbox (op_id, kind, params_json, idem_key, key_generation, "
            "state, tries, next_at, created_at, updated_at, last_error) VALUES ('o1', "
            "'refund', ?, 'k1', 0, 'pending', 2, 'x', '2026-11-26T00:00:00.000000Z', 'x', ?)",
            (json.dumps({"pin": PIN, "card": CARD}),
             f"401 Authorization: Bearer {KEY} for {EMAIL} card {CARD_SPACED} pin={PIN}"))
    recorder = MetricsRecorder(SqlMetricsStore(engine))
    recorder.payment_declined(f"{CARD} {EMAIL}")  # a label that should never hold these
    recorder.observe_latency("tender", 900)
    recorder.flush()
    engine.dispose()
    (data_dir / "config.toml").write_text(
        "[store]\n"
        f'name = "Shop {EMAIL}"\ncurrency = "EUR"\ntill_id = "T1"\n'
        f'receipt_footer = "call {CARD_SPACED} PIN {PIN}"\n'
        "[stripe]\n"
        f'mode = "live"\napi_key = "{KEY}"\nrestricted = "{RKEY}"\npin = "{PIN}"\n',
        encoding="utf-8")
    logs = data_dir / "logs"
    configure_logging(logs)
    log = logging.getLogger("ireti_till.canary")
    log.warning("stripe said %s with key %s", f"Authorization: Bearer {KEY}", KEY)
    log.warning("customer %s paid with %s", EMAIL, CARD_SPACED, extra={"pin": PIN, "pan": CARD})
    try:
        raise ValueError(f"boom {KEY} {CARD}")
    except ValueError:
        log.exception("failure with pin=%s", PIN)
    for handler in logging.getLogger().handlers:
        handler.flush()
    # A rotated file written by something that bypassed the filter (an old version, a hand
    # edit): the bundle must redact it too.
    (logs / "ireti-till.log.1").write_text(
        json.dumps({"msg": f"raw {KEY} {CARD_SPACED} {EMAIL}", "pin": PIN}) + "\n"
        + f"plain line pin={PIN} PIN {PIN} {RKEY} 4242-4242-4242-4242\n", encoding="utf-8")


def _assert_clean(blob: bytes, where: str) -> None:
    for canary in CANARIES:
        assert canary.encode() not in blob, f"{canary!r} leaked in {where}"
    without_hashes = HEX64.sub(b"", blob)
    assert PIN.encode() not in without_hashes, f"PIN leaked in {where}"


def test_no_canary_secret_reaches_the_bundle(data_dir: Path, memory_keyring) -> None:
    _plant_everywhere(data_dir, memory_keyring)
    # The planted files do hold the canaries (so the test could fail).
    assert KEY in (data_dir / "logs" / "ireti-till.log.1").read_text()
    assert PIN in (data_dir / "config.toml").read_text()
    steps: list[tuple[int, int, str]] = []
    target = write_support_bundle(data_dir, data_dir / "out.zip",
                                  progress=lambda d, t, w: steps.append((d, t, w)))
    with zipfile.ZipFile(target) as bundle:
        names = bundle.namelist()
        for name in names:
            _assert_clean(bundle.read(name), name)
        manifest = json.loads(bundle.read("manifest.json"))
        queue = json.loads(bundle.read("queue.json"))
        log_text = bundle.read("logs/ireti-till.log").decode()
    _assert_clean(target.read_bytes(), "the zip file itself")
    expected = {"database.json", "versions.json", "config.json", "queue.json", "metrics.csv",
                "health.json", "logs/ireti-till.log", "logs/ireti-till.log.1",
                "manifest.json", "SHA256SUMS"}
    assert expected <= set(names)
    listed = {m["name"] for m in manifest["members"]}
    assert listed == set(names) - {"manifest.json", "SHA256SUMS"}
    assert queue["by_state"] == {"pending": 1} and "[REDACTED]" in queue["open"][0]["last_error"]
    assert "[REDACTED-EMAIL]" in log_text and "[REDACTED-PAN]" in log_text
    assert steps[-1][0] == steps[-1][1] and [s[0] for s in steps] == sorted(s[0] for s in steps)


def test_manifest_sums_match_members(data_dir: Path) -> None:
    make_ledger(data_dir).dispose()
    target = write_support_bundle(data_dir, data_dir / "b.zip")
    import hashlib

    with zipfile.ZipFile(target) as bundle:
        for line in bundle.read("SHA256SUMS").decode().splitlines():
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(bundle.read(name)).hexdigest() == digest
        versions = json.loads(bundle.read("versions.json"))
    assert versions["libraries"]["stripe"].startswith("16.")
    assert "SQLAlchemy" in versions["libraries"] and "python" in versions


def test_disk_full_during_export_leaves_nothing(data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    make_ledger(data_dir).dispose()
    configure_logging(data_dir / "logs")
    logging.getLogger("x").warning("something")
    real_write = bundle_sources.ZipBundleWriter.write

    def write(self, name, chunks):
        if name.startswith("logs/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, name, chunks)

    monkeypatch.setattr(bundle_sources.ZipBundleWriter, "write", write)
    with pytest.raises(OperationsError) as caught:
        write_support_bundle(data_dir, data_dir / "full.zip")
    assert caught.value.code == "IT-502" and "disk is full" in str(caught.value)
    assert not list(data_dir.glob("full.zip*"))


def _mount_tiny_tmpfs(path: Path) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)],
                          capture_output=True, check=False)
    return done.returncode == 0


def test_real_full_disk_on_a_tiny_tmpfs(data_dir: Path, tmp_path: Path, capsys) -> None:
    small = tmp_path / "tiny"
    if not _mount_tiny_tmpfs(small):
        pytest.skip("cannot mount a tmpfs here (needs root); the injected ENOSPC test covers it")
    try:
        make_ledger(data_dir).dispose()
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        (logs / "ireti-till.log").write_text(
            "\n".join(os.urandom(48).hex() for _ in range(20000)), encoding="utf-8")
        status = bundle_cmd.main(["--data-dir", str(data_dir), "-o", str(small / "b.zip")])
        assert status == 2 and "IT-502" in capsys.readouterr().err
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_unwritable_target_is_a_clear_message(data_dir: Path, capsys) -> None:
    make_ledger(data_dir).dispose()
    status = bundle_cmd.main(["--data-dir", str(data_dir), "-o",
                              str(data_dir / "no" / "such" / "dir" / "b.zip")])
    assert status == 2 and "IT-520" in capsys.readouterr().err


def test_created_time_is_utc(data_dir: Path) -> None:
    target = write_support_bundle(data_dir, data_dir / "t.zip")
    with zipfile.ZipFile(target) as bundle:
        created = datetime.fromisoformat(json.loads(bundle.read("manifest.json"))["created"])
    assert created.utcoffset() == UTC.utcoffset(None)
