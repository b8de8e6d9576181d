"""Helpers for packaging/ireti_till.spec: version stamp and trimming of the Qt payload.

Kept out of the spec so they can be unit-tested without running PyInstaller. PyInstaller
collects every plugin type a Qt module *might* want and every translation; a till needs a
few platform plugins, some image formats and no translations, so the rest is dropped here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

# Python packages that must never ride along (dev tools, test frameworks, GUI toolkits we
# do not use). Qt modules a till does not use are listed too, so an accidental import fails
# loudly in tests instead of adding tens of megabytes. PySide6.QtTest stays: `ireti-till
# selftest` drives the till with QTest.
EXCLUDES: tuple[str, ...] = (
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "test", "lib2to3", "pydoc_data",
    "pytest", "_pytest", "pytestqt", "hypothesis", "pytest_benchmark", "pytest_timeout",
    "mypy", "ruff", "importlinter", "grimp", "localstripe", "aiohttp", "openapi_core",
    "openapi_spec_validator", "openapi_schema_validator", "jsonschema", "jsonschema_path",
    "pydantic", "pydantic_core", "pydantic_settings", "IPython", "matplotlib", "numpy.f2py",
    "numpy.distutils", "pyqtgraph.examples", "pyqtgraph.opengl", "pyqtgraph.jupyter",
    "yaml",
    "setuptools", "pip", "PyInstaller", "alembic.testing", "sqlalchemy.testing",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest", "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools",
    "PySide6.QtSql",
    "PySide6.QtXml", "PySide6.QtConcurrent", "PySide6.QtLabsStyleKit", "PySide6.QtQmlFeatures",
)

# Qt plugin types: None keeps every plugin of that type, a set keeps only those names
# (file stem without "lib" and extension), a type not listed is dropped entirely.
QT_PLUGINS: dict[str, set[str] | None] = {
    # xcb for desktops (also under XWayland), offscreen for tests and selftest, minimal for
    # tools; windows/cocoa are the native ones on the other systems.
    "platforms": {"qxcb", "qoffscreen", "qminimal", "qwindows", "qcocoa"},
    "imageformats": {"qgif", "qico", "qjpeg", "qsvg", "qicns"},
    "iconengines": None,
    "xcbglintegrations": None,
    "platforminputcontexts": {
        "composeplatforminputcontextplugin", "ibusplatforminputcontextplugin",
    },
    "platformthemes": {"qxdgdesktopportal"},
    "styles": None,  # the native Windows/macOS styles
    "printsupport": None,  # CUPS, for receipt printers driven through QPrinter
    "tls": None,  # only collected if QtNetwork is ever imported
    "networkinformation": None,
}

# Qt libraries only the dropped plugins or modules need; binary analysis pulls them in
# before the plugins are trimmed, so they go too. Tests run ldd over the bundle to prove
# nothing that stays needs them.
_DROP_LIBS = re.compile(
    r"(?:^|/)(?:lib)?Qt6(?:Wayland|WlShell|EglFS|Qml|Quick|Pdf|VirtualKeyboard|Designer|Help"
    r"|UiTools|Sql|Labs|Lottie)[^/]*$"
)


def plugin_keep(dest: str) -> bool | None:
    """True/False for a Qt plugin destination path, None if ``dest`` is not a Qt plugin."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" not in parts or not any(p.startswith("PySide6") for p in parts):
        return None
    idx = parts.index("plugins")
    if len(parts) < idx + 3:
        return None
    ptype, fname = parts[idx + 1], parts[-1]
    if ptype not in QT_PLUGINS:
        return False
    allowed = QT_PLUGINS[ptype]
    stem = fname.split(".")[0]
    stem = stem[3:] if stem.startswith("lib") else stem
    return allowed is None or stem in allowed


def keep(dest: str) -> bool:
    """Whether a bundle entry (destination path) stays."""
    norm = dest.replace("\\", "/")
    if "PySide6/" in norm and "/translations/" in norm:
        return False
    if _DROP_LIBS.search(norm):
        return False
    verdict = plugin_keep(norm)
    return True if verdict is None else verdict


def trim(toc: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Filter a PyInstaller TOC (dest, src, typecode) with :func:`keep`."""
    return [entry for entry in toc if keep(entry[0])]


def read_version(init_py: Path) -> str:
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', init_py.read_text(), re.M)
    if not match:
        raise ValueError(f"no __version__ in {init_py}")
    return match.group(1)


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def write_stamp(path: Path, version: str, root: Path) -> Path:
    """The version stamp frozen into the bundle (``ireti_till_build.json``)."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    stamp = {
        "version": version,
        "commit": git_commit(root),
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return path


def windows_version_info(version: str) -> str:
    """A PyInstaller VSVersionInfo text for the Windows executable's version resource."""
    nums = [int(n) for n in re.findall(r"\d+", version)[:3]]
    nums += [0] * (4 - len(nums))
    tup = tuple(nums)
    fields = {
        "CompanyName": "Ireti Till", "FileDescription": "Ireti Till point of sale",
        "FileVersion": version, "InternalName": "ireti-till", "ProductName": "Ireti Till",
        "OriginalFilename": "ireti-till.exe", "ProductVersion": version,
        "LegalCopyright": "Ireti Till",
    }
    strings = ",\n          ".join(f"StringStruct('{k}', '{v}')" for k, v in fields.items())
    return (
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={tup}, prodvers={tup}, mask=0x3f, flags=0x0,\n"
        "    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[StringFileInfo([StringTable('040904B0', [\n"
        f"          {strings}])]),\n"
        "    VarFileInfo([VarStruct('Translation', [1033, 1200])])])\n"
    )


# Loaded with dlopen() rather than linked, so no import chain proves they are needed.
DLOPENED = ("libdbus-1.so", "libssl.so", "libcrypto.so", "libpython")


def _is_root(dest: str, typecode: str) -> bool:
    norm = dest.replace("\\", "/")
    base = norm.rsplit("/", 1)[-1]
    return (
        typecode == "EXTENSION"
        or "/plugins/" in norm
        or base.startswith(DLOPENED)
    )


def prune_orphans(
    binaries: list[tuple[str, str, str]],
    datas: list[tuple[str, str, str]],
    imports_of: Callable[[str], Iterable[str]],
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[str]]:
    """Drop shared libraries that nothing kept links to any more.

    PyInstaller resolves library dependencies before :func:`trim` drops plugins, so e.g. the
    GTK theme plugin's cairo/pango/atk stay behind. ``imports_of(src)`` gives the sonames a
    binary links to. Returns kept binaries, kept datas (symlinks to dropped libs removed) and
    the names dropped.
    """
    by_name: dict[str, tuple[str, str, str]] = {}
    for entry in binaries:
        by_name.setdefault(entry[0].replace("\\", "/").rsplit("/", 1)[-1], entry)
    needed: set[str] = set()
    todo = [e for e in binaries if _is_root(e[0], e[2])]
    while todo:
        dest, src, _code = todo.pop()
        name = dest.replace("\\", "/").rsplit("/", 1)[-1]
        if name in needed:
            continue
        needed.add(name)
        for lib in imports_of(src):
            base = lib.replace("\\", "/").rsplit("/", 1)[-1]
            if base in by_name and base not in needed:
                todo.append(by_name[base])
    kept = [e for e in binaries if e[0].replace("\\", "/").rsplit("/", 1)[-1] in needed]
    dropped = sorted({e[0] for e in binaries} - {e[0] for e in kept})
    gone = {d.replace("\\", "/").rsplit("/", 1)[-1] for d in dropped}
    kept_datas = [
        e for e in datas
        if not (e[2] == "SYMLINK" and e[0].replace("\\", "/").rsplit("/", 1)[-1] in gone)
    ]
    return kept, kept_datas, dropped


def strip_libraries(internal: Path) -> int:
    """``strip --strip-unneeded`` every shared library under ``internal``; bytes saved.

    PyInstaller's own strip option strips everything, which corrupts libraries that
    auditwheel patched (numpy.libs/*: "ELF load command address/offset not page-aligned"),
    so those (any ``*.libs`` folder) are left alone. The executable is never touched: its
    archive is appended to the ELF file.
    """
    import shutil

    strip = shutil.which("strip")
    if strip is None:
        return 0
    saved = 0
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        if any(part.endswith(".libs") for part in path.relative_to(internal).parts):
            continue
        before = path.stat().st_size
        res = subprocess.run([strip, "--strip-unneeded", str(path)], capture_output=True,
                             check=False)
        if res.returncode == 0:
            saved += before - path.stat().st_size
    return saved


# Linux system libraries the bundle does NOT carry: every desktop has them, the .deb
# depends on their packages (make_deb.py computes that list from the binaries), and the
# system's copies match the system's configuration (an old bundled fontconfig misreads a
# newer distribution's fonts.conf) and get its security updates. OpenSSL, SQLite, libffi,
# libstdc++ and Python stay bundled: the modules built against them want those versions.
SYSTEM_LIBS = re.compile(
    r"^lib(?:X11|X11-xcb|Xau|Xdmcp|Xext|Xrender|Xi|xcb(?:-[\w-]+)?|xkbcommon(?:-x11)?"
    r"|fontconfig|freetype|png16|expat|z|bz2|lzma|lz4|zstd|brotli(?:common|dec|enc)"
    r"|glib-2\.0|gobject-2\.0|gio-2\.0|gmodule-2\.0|gthread-2\.0|pcre2-8|mount|blkid|selinux"
    r"|uuid|bsd|md|dbus-1|systemd|gcrypt|gpg-error|cap|gssapi_krb5|krb5|krb5support"
    r"|k5crypto|com_err|keyutils)\.so(?:\.[\d.]+)?$"
)
# A wheel's own copy renamed by auditwheel (``libxcb-9065bb12.so.1.1.0`` in pillow.libs): its
# module links to that exact name, so no system copy can stand in for it. Always kept.
VENDORED_LIB = re.compile(r"-[0-9a-f]{8}\.so(?:\.[\d.]+)?$")


def drop_system_libs(
    binaries: list[tuple[str, str, str]], datas: list[tuple[str, str, str]]
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[str]]:
    """Remove :data:`SYSTEM_LIBS` (top-level entries and symlinks to them); names dropped."""
    def name(entry: tuple[str, str, str]) -> str:
        return entry[0].replace("\\", "/").rsplit("/", 1)[-1]

    dropped = sorted({name(e) for e in binaries
                      if SYSTEM_LIBS.match(name(e)) and not VENDORED_LIB.search(name(e))})
    gone = set(dropped)
    kept = [e for e in binaries if name(e) not in gone]
    kept_datas = [e for e in datas if not (e[2] == "SYMLINK" and name(e) in gone)]
    return kept, kept_datas, dropped
