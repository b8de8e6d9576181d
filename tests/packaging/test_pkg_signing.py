"""sign.sh / verify.sh on a small fake release: sums, gpg, minisign, and what must be refused.

The same scripts run on the real artifacts in test_pkg_linux_artifacts.py; these cases are
the cheap ones (kilobytes, not a 70 MB .deb), so every refusal path is covered.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import LINUX, SIGN_TOOLS, Keys, need

pytestmark = pytest.mark.usefixtures("_tools")


@pytest.fixture
def _tools() -> None:
    need(*SIGN_TOOLS)


def sign(release: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINUX / "sign.sh"), str(release)], env=env,
                          capture_output=True, text=True, check=False)


def verify(release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINUX / "verify.sh"), str(release), *args],
                          capture_output=True, text=True, check=False)


def both(keys: Keys) -> tuple[str, ...]:
    return ("--gpg-pubkey", str(keys.gpg_pub), "--minisign-pubkey", str(keys.minisign_pub))


def flip_byte(path: Path, offset: int = 7) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def release(tmp_path: Path, keys: Keys) -> Path:
    rel = tmp_path / "release"
    rel.mkdir()
    (rel / "ireti-till-0.1.0-linux-x86_64.tar.gz").write_bytes(b"tarball bytes " * 500)
    (rel / "ireti-till_0.1.0_amd64.deb").write_bytes(b"!<arch>\ndeb bytes " * 500)
    res = sign(rel, keys.env())
    assert res.returncode == 0, res.stderr
    return rel


def test_sign_writes_sums_and_both_kinds_of_signature(release: Path) -> None:
    names = sorted(p.name for p in release.iterdir())
    assert names == sorted([
        "SHA256SUMS", "SHA256SUMS.asc", "SHA256SUMS.minisig",
        "ireti-till-0.1.0-linux-x86_64.tar.gz", "ireti-till-0.1.0-linux-x86_64.tar.gz.sig",
        "ireti-till-0.1.0-linux-x86_64.tar.gz.minisig",
        "ireti-till_0.1.0_amd64.deb", "ireti-till_0.1.0_amd64.deb.sig",
        "ireti-till_0.1.0_amd64.deb.minisig",
    ])
    assert len((release / "SHA256SUMS").read_text().splitlines()) == 2
    assert (release / "SHA256SUMS.asc").read_text().startswith("-----BEGIN PGP SIGNATURE-----")


def test_untouched_release_verifies(release: Path, keys: Keys) -> None:
    res = verify(release, *both(keys))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("ok: ") == 7  # sums + 3 gpg + 3 minisign
    assert "verify: all good" in res.stdout


@pytest.mark.parametrize("method", ["gpg", "minisign", "sums"])
def test_one_flipped_byte_is_refused(release: Path, keys: Keys, method: str) -> None:
    flip_byte(release / "ireti-till_0.1.0_amd64.deb")
    args = {"gpg": ("--gpg-pubkey", str(keys.gpg_pub)),
            "minisign": ("--minisign-pubkey", str(keys.minisign_pub)),
            "sums": ("--sums-only",)}[method]
    res = verify(release, *args)
    assert res.returncode == 1
    assert "FAILED: checksum mismatch" in res.stdout
    assert "REFUSED" in res.stdout
    if method != "sums":
        assert f"{method} signature ireti-till_0.1.0_amd64.deb" in res.stdout


def test_rewritten_sums_file_is_refused_by_its_signature(release: Path, keys: Keys) -> None:
    """An attacker who swaps a file and fixes SHA256SUMS still fails the signature."""
    deb = release / "ireti-till_0.1.0_amd64.deb"
    flip_byte(deb)
    for sig in release.glob("*.deb.*sig"):
        sig.unlink()  # and throws away the per-file signatures
    sums = subprocess.run(["sha256sum", deb.name, "ireti-till-0.1.0-linux-x86_64.tar.gz"],
                          cwd=release, capture_output=True, text=True, check=True).stdout
    (release / "SHA256SUMS").write_text(sums)
    res = verify(release, *both(keys))
    assert res.returncode == 1
    assert "ok: SHA256SUMS matches" in res.stdout
    assert "FAILED: gpg signature SHA256SUMS.asc" in res.stdout
    assert "FAILED: minisign signature SHA256SUMS.minisig" in res.stdout


def test_signatures_by_another_key_are_refused(release: Path, other_keys: Keys) -> None:
    res = verify(release, *both(other_keys))
    assert res.returncode == 1
    assert res.stdout.count("FAILED: gpg signature") == 3
    assert res.stdout.count("FAILED: minisign signature") == 3


def test_a_minisig_moved_onto_another_file_is_refused(release: Path, keys: Keys) -> None:
    tar = "ireti-till-0.1.0-linux-x86_64.tar.gz"
    shutil.copy2(release / "SHA256SUMS.minisig", release / f"{tar}.minisig")
    shutil.copy2(release / "SHA256SUMS", release / tar)  # same bytes, other name
    (release / "SHA256SUMS").write_text(subprocess.run(
        ["sha256sum", tar, "ireti-till_0.1.0_amd64.deb"], cwd=release, capture_output=True,
        text=True, check=True).stdout)
    res = verify(release, "--minisign-pubkey", str(keys.minisign_pub))
    assert res.returncode == 1
    assert f"minisign signature {tar}.minisig was made for another file" in res.stdout


def test_a_listed_file_that_is_missing_is_refused(release: Path, keys: Keys) -> None:
    (release / "ireti-till_0.1.0_amd64.deb").unlink()
    res = verify(release, *both(keys))
    assert res.returncode == 1


def test_verify_wants_a_key_unless_told_sums_only(release: Path) -> None:
    res = verify(release)
    assert res.returncode == 2
    assert "--gpg-pubkey" in res.stderr
    assert verify(release, "--sums-only").returncode == 0


def test_missing_sums_file_is_refused(release: Path, keys: Keys) -> None:
    (release / "SHA256SUMS").unlink()
    assert verify(release, *both(keys)).returncode == 1


def test_sign_refuses_without_a_key(tmp_path: Path, keys: Keys) -> None:
    (tmp_path / "x.deb").write_bytes(b"x")
    env = {k: v for k, v in keys.env().items()
           if k not in ("IRETI_GPG_KEY", "IRETI_MINISIGN_KEY")}
    res = sign(tmp_path, env)
    assert res.returncode == 2
    assert not (tmp_path / "SHA256SUMS").exists()


def test_gpg_only_signing_leaves_no_minisig(tmp_path: Path, keys: Keys) -> None:
    (tmp_path / "a.tar.gz").write_bytes(b"a")
    env = {k: v for k, v in keys.env().items() if k != "IRETI_MINISIGN_KEY"}
    assert sign(tmp_path, env).returncode == 0
    assert not list(tmp_path.glob("*.minisig"))
    assert verify(tmp_path, "--gpg-pubkey", str(keys.gpg_pub)).returncode == 0
    # asking for minisign when there is none is a failure, not a silent pass
    assert verify(tmp_path, "--minisign-pubkey", str(keys.minisign_pub)).returncode == 1



def test_release_build_without_a_key_stops_before_building(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("IRETI_GPG_KEY", "IRETI_MINISIGN_KEY")}
    res = subprocess.run([str(LINUX / "build.sh"), "--out", str(tmp_path), "--require-signing"],
                         env=env, capture_output=True, text=True, check=False, timeout=30)
    assert res.returncode == 3
    assert "--require-signing" in res.stderr
    assert not (tmp_path / "bundle").exists()
