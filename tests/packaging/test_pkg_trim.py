"""Unit tests for packaging/bundle_trim.py: what the spec keeps, drops and stamps (no build)."""

from __future__ import annotations

import json
from pathlib import Path

import bundle_trim as bt
import pytest

from ireti_till import __version__

from .conftest import REPO


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqminimal.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so", False),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("PySide6/Qt/lib/libQt6Test.so.6", True),  # selftest drives the till with QTest
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6\\Qt6Qml.dll", False),
        ("PySide6\\Qt6Gui.dll", True),
        ("stripe/data/ca-certificates.crt", True),
        ("ireti_till/adapters/db/migrations/env.py", True),
        ("resources/fonts/DejaVuSans.ttf", True),
    ],
)
def test_keep_decides_per_destination(dest: str, kept: bool) -> None:
    assert bt.keep(dest) is kept


def test_trim_filters_a_toc() -> None:
    toc = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/a", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", "/src/b", "BINARY"),
        ("PySide6/Qt/translations/qt_fr.qm", "/src/c", "DATA"),
    ]
    assert bt.trim(toc) == [toc[0]]


def test_prune_orphans_keeps_the_import_closure_and_dlopened_libs() -> None:
    binaries = [
        ("PySide6/QtGui.abi3.so", "/s/QtGui", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/s/Gui", "BINARY"),
        ("libfreetype.so.6", "/s/ft", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/xcb", "BINARY"),
        ("libxcb-cursor.so.0", "/s/cursor", "BINARY"),
        ("libcairo.so.2", "/s/cairo", "BINARY"),  # only the dropped GTK theme wanted it
        ("libpixman-1.so.0", "/s/pixman", "BINARY"),
        ("libdbus-1.so.3", "/s/dbus", "BINARY"),  # dlopen()ed by Qt: no import chain
    ]
    graph = {
        "/s/QtGui": ["libQt6Gui.so.6", "libc.so.6"],
        "/s/Gui": ["libfreetype.so.6"],
        "/s/xcb": ["libxcb-cursor.so.0", "libQt6Gui.so.6"],
        "/s/cairo": ["libpixman-1.so.0"],
    }
    datas = [
        ("libcairo.so.2", "PySide6/whatever/libcairo.so.2", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("resources/fonts/x.ttf", "/s/x.ttf", "DATA"),
    ]
    kept, kept_datas, dropped = bt.prune_orphans(binaries, datas, lambda s: graph.get(s, []))
    assert dropped == ["libcairo.so.2", "libpixman-1.so.0"]
    assert {e[0] for e in kept} == {e[0] for e in binaries} - set(dropped)
    assert [d[0] for d in kept_datas] == ["libQt6Gui.so.6", "resources/fonts/x.ttf"]


@pytest.mark.parametrize(
    ("soname", "system"),
    [("libX11.so.6", True), ("libxcb-cursor.so.0", True), ("libfontconfig.so.1", True),
     ("libglib-2.0.so.0", True), ("libz.so.1", True), ("libdbus-1.so.3", True),
     ("libssl.so.3", False), ("libcrypto.so.3", False), ("libsqlite3.so.0", False),
     ("libpython3.11.so.1.0", False), ("libstdc++.so.6", False), ("libffi.so.8", False),
     ("libzstd.so.1", True), ("libzmq.so.5", False), ("libQt6XcbQpa.so.6", False)],
)
def test_system_libraries_are_left_to_the_system(soname: str, system: bool) -> None:
    binaries = [(soname, f"/s/{soname}", "BINARY"), ("PySide6/QtCore.abi3.so", "/s/c", "EXTENSION")]
    datas = [(soname, f"PySide6/Qt/lib/{soname}", "SYMLINK")]
    kept, kept_datas, dropped = bt.drop_system_libs(binaries, datas)
    assert (dropped == [soname]) is system
    assert (len(kept), len(kept_datas)) == ((1, 0) if system else (2, 1))


def test_excludes_name_no_runtime_dependency() -> None:
    runtime = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtTest",
               "stripe", "sqlalchemy",
               "alembic", "keyring", "platformdirs", "apscheduler", "hdrh", "ireti_till"}
    assert not runtime & set(bt.EXCLUDES)
    assert {"tkinter", "pytest", "hypothesis", "PyInstaller"} <= set(bt.EXCLUDES)


def test_version_is_read_from_the_package() -> None:
    assert bt.read_version(REPO / "ireti_till" / "__init__.py") == __version__


def test_read_version_rejects_a_file_without_one(tmp_path: Path) -> None:
    bad = tmp_path / "__init__.py"
    bad.write_text("VERSION = 1\n")
    with pytest.raises(ValueError, match="no __version__"):
        bt.read_version(bad)


def test_stamp_uses_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = bt.write_stamp(tmp_path / "s" / "stamp.json", "9.8.7", REPO)
    stamp = json.loads(path.read_text())
    assert stamp["version"] == "9.8.7"
    assert stamp["built"] == "2023-11-14T22:13:20Z"
    assert set(stamp) == {"version", "commit", "built"}


def test_windows_version_resource_carries_the_version() -> None:
    text = bt.windows_version_info("1.2.3")
    captured: dict[str, dict[str, object]] = {}

    def rec(name: str):  # stand-ins for PyInstaller's versioninfo classes (need pefile)
        def make(*args: object, **kwargs: object) -> tuple[str, tuple[object, ...], dict]:
            captured.setdefault(name, kwargs)
            return (name, args, kwargs)
        return make

    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct"]
    eval(text, {n: rec(n) for n in names})  # our own generated text
    assert captured["FixedFileInfo"]["filevers"] == (1, 2, 3, 0)
    assert "StringStruct('ProductVersion', '1.2.3')" in text
