"""Fixtures for the packaging tests: throwaway signing keys and ONE build per session.

The build (PyInstaller + tarball + .deb + signatures, packaging/linux/build.sh --fast) takes
about a minute and a half on two cores, so it runs once, into a temporary directory, and
every test reads its outputs. Set IRETI_PACKAGING_BUILD=DIR to keep the build in DIR and
reuse it on the next run (it is rebuilt when DIR has no release in it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
LINUX = PACKAGING / "linux"
sys.path.insert(0, str(PACKAGING))

SIGN_TOOLS = ("gpg", "gpgv", "minisign", "sha256sum")
BUILD_TOOLS = ("dpkg-deb", "objdump", *SIGN_TOOLS)


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: "
                    "run packaging/linux/install-build-deps.sh")


def module_exists(name: str) -> bool:
    """Whether an app module has been written yet (tests start checking once it exists)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class Keys:
    dir: Path
    gnupghome: Path
    fingerprint: str
    gpg_pub: Path
    minisign_key: Path
    minisign_pub: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GNUPGHOME": str(self.gnupghome),
            "IRETI_GPG_KEY": self.fingerprint,
            "IRETI_MINISIGN_KEY": str(self.minisign_key),
        }


def make_keys(where: Path) -> Keys:
    need("gpg", "minisign")
    fpr = subprocess.run(
        [str(LINUX / "gen-test-keys.sh"), str(where)], check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    return Keys(where, where / "gnupg", fpr, where / "release-test.pub.asc",
                where / "minisign.key", where / "minisign.pub")


def kill_agent(keys: Keys) -> None:
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**os.environ,
                   "GNUPGHOME": str(keys.gnupghome)}, check=False, capture_output=True)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    k = make_keys(tmp_path_factory.mktemp("keys"))
    yield k
    kill_agent(k)


@pytest.fixture(scope="session")
def other_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    """A second throwaway key pair: signatures by it must be refused."""
    k = make_keys(tmp_path_factory.mktemp("other-keys"))
    yield k
    kill_agent(k)


@dataclass(frozen=True)
class Build:
    out: Path
    keys: Keys
    version: str

    @property
    def bundle(self) -> Path:
        return self.out / "bundle" / "ireti-till"

    @property
    def exe(self) -> Path:
        return self.bundle / "ireti-till"

    @property
    def internal(self) -> Path:
        return self.bundle / "_internal"

    @property
    def release(self) -> Path:
        return self.out / "release"

    @property
    def deb(self) -> Path:
        return next(self.release.glob("ireti-till_*.deb"))

    @property
    def tarball(self) -> Path:
        return next(self.release.glob("ireti-till-*.tar.gz"))


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    need(*BUILD_TOOLS)
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller not installed (pip install -e '.[packaging]')")
    from ireti_till import __version__

    kept = os.environ.get("IRETI_PACKAGING_BUILD")
    out = Path(kept).resolve() if kept else tmp_path_factory.mktemp("build")
    keys_dir = out / "keys"
    if kept and (out / "release" / "SHA256SUMS.asc").is_file() and keys_dir.is_dir():
        k = Keys(keys_dir, keys_dir / "gnupg",
                 (keys_dir / "env").read_text().split("IRETI_GPG_KEY='")[1].split("'")[0],
                 keys_dir / "release-test.pub.asc", keys_dir / "minisign.key",
                 keys_dir / "minisign.pub")
    else:
        shutil.rmtree(keys_dir, ignore_errors=True)
        k = make_keys(keys_dir)
        env = {**k.env(), "PYTHON": sys.executable}
        proc = subprocess.run(
            [str(LINUX / "build.sh"), "--out", str(out), "--fast"],
            env=env, capture_output=True, text=True, check=False,
        )
        (out / "build.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            log = (proc.stdout + proc.stderr)[-4000:]
            pytest.fail(f"build.sh failed ({proc.returncode}):\n{log}")
    yield Build(out, k, __version__)
    kill_agent(k)


def frozen_env(home: Path) -> dict[str, str]:
    """A plain environment for running frozen binaries: no venv, no developer data."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(home),
    }


def run_frozen(exe: Path, *args: str, home: Path, timeout: float = 120,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], env={**frozen_env(home), **(extra_env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)
