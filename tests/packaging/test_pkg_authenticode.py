"""Authenticode on Linux: osslsigncode signs a tiny PE with a throwaway certificate and an
RFC 3161 timestamp, verifies it, and refuses it after one bit changes (the same operation
signtool does in the Windows release job)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PACKAGING, need

sys.path.insert(0, str(PACKAGING / "windows"))
import authenticode_dryrun as ad


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> ad.Certs:
    need("osslsigncode", "openssl")
    return ad.make_certs(tmp_path_factory.mktemp("authenticode"))


@pytest.fixture
def signed(tmp_path: Path, certs: ad.Certs) -> Path:
    exe = tmp_path / "tiny.exe"
    exe.write_bytes(ad.tiny_pe())
    out = tmp_path / "tiny-signed.exe"
    res = ad.sign(exe, out, certs)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def test_tiny_pe_is_a_pe32_plus_executable(tmp_path: Path) -> None:
    need("objdump")
    exe = tmp_path / "tiny.exe"
    exe.write_bytes(ad.tiny_pe())
    out = subprocess.run(["objdump", "-f", str(exe)], capture_output=True, text=True,
                         check=True).stdout
    assert "pei-x86-64" in out
    assert "start address 0x0000000140001000" in out


def test_signed_pe_verifies_with_timestamp(signed: Path, certs: ad.Certs) -> None:
    res = ad.verify(signed, certs)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Message digest algorithm  : SHA256" in res.stdout
    assert "Subject: /CN=Ireti Till TEST code signing" in res.stdout
    assert "Timestamp Server Signature verification: ok" in res.stdout
    assert "Signature verification: ok" in res.stdout


def test_one_flipped_bit_is_refused(signed: Path, certs: ad.Certs) -> None:
    ad.tamper(signed)
    res = ad.verify(signed, certs)
    assert res.returncode != 0
    assert "MISMATCH" in res.stdout


def test_unsigned_pe_is_refused(tmp_path: Path, certs: ad.Certs) -> None:
    exe = tmp_path / "tiny.exe"
    exe.write_bytes(ad.tiny_pe())
    assert ad.verify(exe, certs).returncode != 0


def test_signature_from_an_untrusted_root_is_refused(
    signed: Path, tmp_path: Path, certs: ad.Certs
) -> None:
    stranger = ad.make_certs(tmp_path / "stranger")
    trusting_only_stranger = ad.Certs(stranger.ca, certs.cert, certs.key, certs.tsa_cert,
                                      certs.tsa_key)
    assert ad.verify(signed, trusting_only_stranger).returncode != 0


def test_dry_run_script_end_to_end(tmp_path: Path) -> None:
    need("osslsigncode", "openssl")
    assert shutil.which("osslsigncode")
    assert ad.main([str(tmp_path)]) == 0
