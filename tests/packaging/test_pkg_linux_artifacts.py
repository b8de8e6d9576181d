"""The real Linux release: tarball, .deb (inspected, installed into a clean root, run,
verified, removed), and signatures over both (one flipped byte is refused)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import LINUX, REPO, Build, module_exists, need, run_frozen

DEB_BASE_DEPENDS = {"libegl1", "libgl1", "libxcb1", "libxkbcommon0", "libfontconfig1",
                    "libdbus-1-3", "libglib2.0-0", "libxcb-cursor0"}


def dpkg_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_release_verifies_with_both_keys(build: Build) -> None:
    res = subprocess.run([str(LINUX / "verify.sh"), str(build.release),
                          "--gpg-pubkey", str(build.keys.gpg_pub),
                          "--minisign-pubkey", str(build.keys.minisign_pub)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("ok: ") == 9  # 3 artifacts + SBOM: sums, gpg and minisign each


def test_one_flipped_byte_in_the_deb_is_refused(build: Build, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(build.release, copy)
    deb = copy / build.deb.name
    with deb.open("r+b") as fh:
        fh.seek(deb.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0x01]))
    res = subprocess.run([str(LINUX / "verify.sh"), str(copy),
                          "--gpg-pubkey", str(build.keys.gpg_pub),
                          "--minisign-pubkey", str(build.keys.minisign_pub)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 1
    assert f"{deb.name}: FAILED" in res.stdout + res.stderr
    assert f"FAILED: gpg signature {deb.name}.sig" in res.stdout
    assert f"FAILED: minisign signature {deb.name}.minisig" in res.stdout


def test_tarball_holds_the_bundle_owned_by_root(build: Build) -> None:
    with tarfile.open(build.tarball) as tar:
        members = tar.getmembers()
    names = {m.name for m in members}
    assert "ireti-till/ireti-till" in names
    assert "ireti-till/_internal/stripe/data/ca-certificates.crt" in names
    assert {(m.uid, m.gid) for m in members} == {(0, 0)}
    exe = next(m for m in members if m.name == "ireti-till/ireti-till")
    assert exe.mode & 0o111


def test_deb_control_fields(build: Build) -> None:
    assert dpkg_field(build.deb, "Package") == "ireti-till"
    assert dpkg_field(build.deb, "Version") == build.version
    assert dpkg_field(build.deb, "Architecture") == subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    depends = [d.strip() for d in dpkg_field(build.deb, "Depends").split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    assert set(depends) >= DEB_BASE_DEPENDS


def test_deb_layout(build: Build) -> None:
    listing = subprocess.run(["dpkg-deb", "--contents", str(build.deb)], capture_output=True,
                             text=True, check=True).stdout.splitlines()
    entries = {line.split()[5].lstrip("."): line for line in listing}
    assert "/opt/ireti-till/ireti-till" in entries
    assert entries["/usr/bin/ireti-till"].endswith("-> ../../opt/ireti-till/ireti-till")
    assert "/usr/share/applications/ireti-till.desktop" in entries
    assert "/usr/share/icons/hicolor/scalable/apps/ireti-till.svg" in entries
    if (REPO / "resources" / "icons" / "ireti-till.png").is_file():
        assert any(re.fullmatch(r"/usr/share/icons/hicolor/\d+x\d+/apps/ireti-till\.png", p)
                   for p in entries)
    assert "/usr/share/doc/ireti-till/copyright" in entries
    assert all(line.split()[1] == "root/root" for line in listing)
    assert not [p for p in entries if p.startswith(("/usr/local", "/home", "/etc"))]


def test_desktop_entry(build: Build, tmp_path: Path) -> None:
    subprocess.run(["dpkg-deb", "-x", str(build.deb), str(tmp_path)], check=True)
    desktop = tmp_path / "usr/share/applications/ireti-till.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(desktop)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "ireti-till"
    assert entry["Icon"] == "ireti-till"
    assert entry["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)


def test_deb_depends_cover_every_library_the_bundle_does_not_carry(build: Build) -> None:
    """Each system library a bundled binary links to, and the bundle lacks, comes from a
    package in Depends (mapped with dpkg -S where this machine has the library)."""
    carried = {p.name for p in build.internal.rglob("*.so*")}
    needed: set[str] = set()
    for path in [build.exe, *build.internal.rglob("*.so*")]:
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True,
                             check=False).stdout
        needed |= {line.split()[1] for line in out.splitlines() if "NEEDED" in line}
    depends = {d.strip().split()[0] for d in dpkg_field(build.deb, "Depends").split(",")}
    uncovered = {}
    for lib in sorted(needed - carried):
        found = subprocess.run(["dpkg", "-S", f"*/{lib}"], capture_output=True, text=True,
                               check=False).stdout
        packages = {line.split(":")[0] for line in found.splitlines() if ":" in line}
        if packages and not packages & depends:
            uncovered[lib] = sorted(packages)
    assert not uncovered


@pytest.fixture(scope="module")
def clean_root(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty root with its own dpkg database: `dpkg --root` installs into it.

    The root has no packages, so dependencies are forced (the test above checks Depends);
    the package has no maintainer scripts, so nothing needs a chroot.
    """
    root = tmp_path_factory.mktemp("root")
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    res = subprocess.run(["dpkg", f"--root={root}", "--force-depends", "--install",
                          str(build.deb)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    return root


def test_installed_package_is_registered_and_intact(clean_root: Path, build: Build) -> None:
    status = subprocess.run(["dpkg", f"--root={clean_root}", "--status", "ireti-till"],
                            capture_output=True, text=True, check=True).stdout
    assert "Status: install ok installed" in status
    assert f"Version: {build.version}" in status
    verify = subprocess.run(["dpkg", f"--root={clean_root}", "--verify", "ireti-till"],
                            capture_output=True, text=True, check=False)
    assert verify.returncode == 0 and verify.stdout == ""


def test_installed_launcher_runs(clean_root: Path, build: Build, tmp_path: Path) -> None:
    launcher = clean_root / "usr/bin/ireti-till"
    assert launcher.is_symlink()
    res = run_frozen(launcher, "--version", home=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"ireti-till {build.version}"
    check = run_frozen(launcher, "--bundle-check", home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_installed_doctor_or_selftest_runs(clean_root: Path, tmp_path: Path) -> None:
    launcher = clean_root / "usr/bin/ireti-till"
    ran = []
    if module_exists("ireti_till.commands.doctor"):
        res = run_frozen(launcher, "--data-dir", str(tmp_path / "d1"), "doctor",
                         home=tmp_path / "h")
        assert "Traceback" not in res.stderr and res.returncode in (0, 1), res.stderr
        ran.append("doctor")
    if module_exists("ireti_till.commands.selftest"):
        res = run_frozen(launcher, "selftest", "--data-dir", str(tmp_path / "d2"),
                         home=tmp_path / "h", timeout=180)
        assert res.returncode == 0 and "OK" in res.stdout, res.stdout + res.stderr
        ran.append("selftest")
    if not ran:
        pytest.skip("neither ireti_till.commands.doctor nor .selftest is written yet")


def test_remove_leaves_nothing_behind(build: Build, tmp_path: Path) -> None:
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    dpkg = ["dpkg", f"--root={root}", "--force-depends"]
    subprocess.run([*dpkg, "--install", str(build.deb)], check=True, capture_output=True)
    run_frozen(root / "usr/bin/ireti-till", "--version", home=tmp_path / "h")  # runs leave no files
    subprocess.run([*dpkg, "--purge", "ireti-till"], check=True, capture_output=True)
    assert not (root / "opt/ireti-till").exists()
    assert not (root / "usr/bin/ireti-till").exists()


def test_apt_can_resolve_every_dependency(build: Build) -> None:
    """apt (simulated, no lock, nothing installed) finds every Depends in this machine's
    archive lists: no misspelt or distribution-specific package name."""
    need("apt-get", "apt-cache")
    policy = subprocess.run(["apt-cache", "policy", "libc6"], capture_output=True, text=True,
                            check=False).stdout
    if "Candidate: (none)" in policy or "Candidate:" not in policy:
        pytest.skip("no apt package lists on this machine (apt-get update)")
    res = subprocess.run(
        ["apt-get", "install", "--simulate", "-o", "Debug::NoLocking=1",
         "--no-install-recommends", str(build.deb)],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "Inst ireti-till" in res.stdout
