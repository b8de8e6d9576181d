"""Build the Ireti Till .deb from a PyInstaller one-folder bundle.

    python packaging/linux/make_deb.py --bundle dist/ireti-till --version 0.1.0 --out dist

Layout (FHS add-on software): the bundle in /opt/ireti-till, a relative symlink
/usr/bin/ireti-till, a desktop entry and a hicolor icon. No maintainer scripts: desktop and
icon caches are refreshed by dpkg file triggers, which also keeps `dpkg --root` installs
(tests) free of chroot work. Depends lists the system libraries Qt needs that the bundle
does not carry (plus their data packages: xkb keymaps, fontconfig configuration), and the
glibc the bundled binaries were linked against.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGING = HERE.parent
ROOT = PACKAGING.parent
PACKAGE = "ireti-till"

# DESIGN 13: what a bare Debian 12 needs for Qt (offscreen and xcb). Most are also in the
# bundle, but depending on them brings their data (xkb-data, fontconfig-config) and keeps
# the system copies patched.
BASE_DEPENDS = (
    "libglib2.0-0", "libegl1", "libgl1", "libx11-6", "libx11-xcb1", "libxcb1",
    "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libfreetype6", "libdbus-1-3",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1", "libxcb-randr0",
)
RECOMMENDS = ("gnome-keyring | kwalletmanager", "fonts-dejavu-core")

CONTROL = """\
Package: {package}
Version: {version}
Architecture: {arch}
Maintainer: Ireti Till <it@ireti-till.invalid>
Installed-Size: {size_kib}
Depends: {depends}
Recommends: {recommends}
Section: misc
Priority: optional
Homepage: https://ireti-till.invalid/
Description: Ireti Till point of sale
 Offline-first desktop till: sales are written to a local SQLite ledger first;
 card payments go through Stripe Terminal readers; training mode works without a
 Stripe key. Installed in /opt/ireti-till; data lives in the user's data directory.
"""

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ireti-till
Files: *
Copyright: Ireti Till
License: Proprietary
Comment: Bundled third-party components keep their own licences; see
 /opt/ireti-till/_internal/*.dist-info and /opt/ireti-till/_internal/resources/fonts.
"""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (hicolor wants icons filed by size)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def elf_files(bundle: Path) -> list[Path]:
    out = []
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as fh:
            if fh.read(4) == b"\x7fELF":
                out.append(path)
    return out


def _objdump(flag: str, path: Path) -> str:
    return subprocess.run(["objdump", flag, str(path)], capture_output=True, text=True,
                          check=False).stdout


def glibc_floor(bundle: Path) -> str | None:
    """Highest GLIBC_x.y symbol version any bundled ELF file asks for (needs objdump)."""
    if shutil.which("objdump") is None:
        return None
    best: tuple[int, ...] = ()
    for path in elf_files(bundle):
        for ver in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", _objdump("-T", path)):
            best = max(best, tuple(int(n) for n in ver.split(".")))
    return ".".join(map(str, best)) if best else None


def system_packages(bundle: Path) -> set[str]:
    """Packages (on this build machine) of the libraries the bundle links to but does not
    carry: a simplified dpkg-shlibdeps. Empty where objdump or dpkg is missing."""
    if shutil.which("objdump") is None or shutil.which("dpkg") is None:
        return set()
    carried = {p.name for p in bundle.rglob("*.so*")}
    needed: set[str] = set()
    for path in elf_files(bundle):
        needed |= set(re.findall(r"^\s*NEEDED\s+(\S+)$", _objdump("-p", path), re.M))
    missing = sorted(needed - carried)
    if not missing:
        return set()
    triplet = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                             capture_output=True, text=True, check=False).stdout.strip()
    found = subprocess.run(["dpkg", "-S", *(f"*/{lib}" for lib in missing)],
                           capture_output=True, text=True, check=False).stdout
    packages = set()
    for line in found.splitlines():
        owners, _, lib_path = line.partition(": ")
        if triplet and f"/{triplet}/" not in lib_path:
            continue  # lib32*/libx32* multilib copies of the same soname
        if "/" in lib_path.removeprefix("/").split(f"/{triplet}/", 1)[-1]:
            continue  # a subdirectory (e.g. .../libfakeroot/): not what the loader finds
        for owner in owners.split(", "):
            name = owner.split(":")[0].strip()
            if re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", name):
                packages.add(name)
    return packages - {"libc6", "libc6-i386", "libc6-x32"}


def depends(bundle: Path) -> str:
    floor = glibc_floor(bundle)
    libc = f"libc6 (>= {floor})" if floor else "libc6"
    return ", ".join((libc, *sorted(set(BASE_DEPENDS) | system_packages(bundle))))


def _normalise_modes(tree: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(tree):
        Path(dirpath).chmod(0o755)  # world-readable install tree, as dpkg expects
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_symlink():
                continue
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def stage(bundle: Path, version: str, arch: str, staging: Path) -> None:
    opt = staging / "opt" / PACKAGE
    shutil.copytree(bundle, opt, symlinks=True)
    usr = staging / "usr"
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / PACKAGE).symlink_to(f"../../opt/{PACKAGE}/{PACKAGE}")
    apps = usr / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(HERE / f"{PACKAGE}.desktop", apps / f"{PACKAGE}.desktop")
    icons = usr / "share" / "icons" / "hicolor"
    (icons / "scalable" / "apps").mkdir(parents=True)
    svg = ROOT / "resources" / "icons" / f"{PACKAGE}.svg"
    if not svg.is_file():
        svg = PACKAGING / "icons" / f"{PACKAGE}.svg"
    shutil.copy2(svg, icons / "scalable" / "apps" / f"{PACKAGE}.svg")
    png = ROOT / "resources" / "icons" / f"{PACKAGE}.png"
    if png.is_file():
        width, height = png_size(png)
        sized = icons / f"{width}x{height}" / "apps"
        sized.mkdir(parents=True)
        shutil.copy2(png, sized / f"{PACKAGE}.png")
    doc = usr / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    _normalise_modes(staging)

    size_kib = sum(
        p.lstat().st_size for p in staging.rglob("*") if p.is_file() or p.is_symlink()
    ) // 1024
    debian = staging / "DEBIAN"
    debian.mkdir(mode=0o755)
    (debian / "control").write_text(CONTROL.format(
        package=PACKAGE, version=version, arch=arch, size_kib=size_kib,
        depends=depends(bundle), recommends=", ".join(RECOMMENDS),
    ), encoding="utf-8")
    sums = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(staging).as_posix()
        if not rel.startswith("DEBIAN/"):
            sums.append(f"{hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()}"
                        f"  {rel}\n")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")
    for name in ("control", "md5sums"):
        (debian / name).chmod(0o644)


def build(
    bundle: Path, version: str, out: Path, arch: str, compress: str, level: int | None = None
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{PACKAGE}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="ireti-deb-") as tmp:
        staging = Path(tmp) / "root"
        staging.mkdir()
        stage(bundle, version, arch, staging)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compress}",
             *([f"-z{level}"] if level is not None else []), "--build", str(staging), str(deb)],
            check=True, stdout=subprocess.DEVNULL,
        )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True, help="PyInstaller onedir")
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--arch", default="amd64")
    parser.add_argument("--compress", default="xz", choices=["xz", "gzip", "none"])
    parser.add_argument("--level", type=int, default=None, help="compression level 0-9")
    args = parser.parse_args(argv)
    if not (args.bundle / PACKAGE).is_file():
        print(f"make_deb: {args.bundle} has no {PACKAGE} executable", file=sys.stderr)
        return 2
    print(build(args.bundle, args.version, args.out, args.arch, args.compress, args.level))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
