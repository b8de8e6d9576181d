"""``ireti-till --bundle-check``: checks a frozen bundle has what PyInstaller tends to lose.

Frozen into the bundle by packaging/ireti_till.spec and reached through packaging/launcher.py.
Each check returns (ok, detail); ``--json`` prints them as one JSON object for tests.
Exit status: 0 when every check passed, 1 otherwise. Checks that cannot apply yet (no
migrations or no font written yet) pass with a detail saying so, and tests decide.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

STAMP_NAME = "ireti_till_build.json"
KEYRING_BACKENDS = {"SecretService", "libsecret", "KWallet", "Windows", "macOS", "chainer"}

Result = tuple[bool, str]
_KEEP: list[object] = []  # holds the QGuiApplication for the life of the process


def bundle_root() -> Path:
    """The folder holding the collected data (``_internal`` in a PyInstaller 6 onedir)."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    return Path(__file__).resolve().parents[1]  # running from the source tree


def check_stamp() -> Result:
    from ireti_till import __version__

    path = bundle_root() / STAMP_NAME
    if not path.is_file():
        return False, f"{STAMP_NAME} missing"
    stamp = json.loads(path.read_text(encoding="utf-8"))
    if stamp.get("version") != __version__:
        return False, f"stamp says {stamp.get('version')!r}, package says {__version__!r}"
    return True, f"version {__version__} commit {stamp.get('commit') or '-'}"


def check_stripe_ca() -> Result:
    import stripe

    cafile = Path(stripe.ca_bundle_path)
    if not cafile.is_file():
        return False, f"stripe CA bundle missing at {cafile}"
    ctx = ssl.create_default_context(cafile=str(cafile))
    count = ctx.cert_store_stats()["x509_ca"]
    return count > 10, f"{cafile.name}: {count} CA certificates"


def check_certifi() -> Result:
    import certifi

    path = Path(certifi.where())
    return path.is_file(), f"{path.name} {'present' if path.is_file() else 'missing'}"


def check_migrations() -> Result:
    mig = bundle_root() / "ireti_till" / "adapters" / "db" / "migrations"
    versions = sorted(p.name for p in (mig / "versions").glob("*.py") if p.name != "__init__.py")
    if not (mig / "env.py").is_file():
        return True, f"no env.py yet ({len(versions)} revisions)"
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(mig))
    script = ScriptDirectory.from_config(cfg)
    loaded = list(script.walk_revisions())  # imports every revision file, as upgrade would
    heads = script.get_heads()
    # More than one head is the app's concern (upgrade "heads"), not the bundle's.
    return len(loaded) == len(versions), f"{len(loaded)}/{len(versions)} revisions, heads {heads}"


def check_keyring() -> Result:
    eps = {ep.name: ep for ep in metadata.entry_points(group="keyring.backends")}
    missing = KEYRING_BACKENDS - set(eps)
    if missing:
        return False, f"entry points missing: {sorted(missing)}"
    failed = []
    for name in sorted(KEYRING_BACKENDS):
        try:
            eps[name].load()
        except ImportError as exc:  # a backend module left out of the bundle
            failed.append(f"{name}: {exc}")
    if failed:
        return False, "; ".join(failed)
    import keyring

    return True, f"{len(eps)} backends; active {type(keyring.get_keyring()).__name__}"


def fonts() -> list[Path]:
    return sorted((bundle_root() / "resources" / "fonts").glob("*.[ot]tf"))


def _app() -> None:
    """One QApplication (widgets: the till is a widgets app) for the whole check run."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        _KEEP.append(QApplication(["ireti-till"]))


def check_charts() -> Result:
    """The metrics panel's plotting stack (pyqtgraph + numpy) imports and draws frozen."""
    import importlib.util

    if importlib.util.find_spec("pyqtgraph") is None:
        return True, "pyqtgraph not bundled"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app()
    import numpy as np
    import pyqtgraph as pg

    plot = pg.PlotWidget()
    plot.resize(160, 90)
    plot.plot(np.arange(10.0), np.arange(10.0) ** 2)
    image = plot.grab().toImage()
    return not image.isNull(), f"pyqtgraph {pg.__version__}, numpy {np.__version__}"


def check_qt() -> Result:
    """Start Qt offscreen, load our TTF and draw text: empty boxes show as no ink."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter

    _app()
    families: list[str] = []
    for ttf in fonts():
        font_id = QFontDatabase.addApplicationFont(str(ttf))
        if font_id == -1:
            return False, f"Qt refused font {ttf.name}"
        families += QFontDatabase.applicationFontFamilies(font_id)
    image = QImage(200, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    if families:
        painter.setFont(QFont(families[0], 16))
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Ireti 123")
    painter.end()
    inked = sum(
        1 for x in range(0, 200, 2) for y in range(0, 40, 2) if image.pixelColor(x, y).value() < 128
    )
    platform = QGuiApplication.platformName()
    detail = f"platform {platform}, fonts {families or 'none bundled'}, ink {inked}"
    return inked > 0, detail


CHECKS: dict[str, Callable[[], Result]] = {
    "stamp": check_stamp,
    "stripe_ca": check_stripe_ca,
    "certifi": check_certifi,
    "migrations": check_migrations,
    "keyring": check_keyring,
    "qt": check_qt,
    "charts": check_charts,
}


def run(argv: list[str]) -> int:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            ok, detail = check()
        except Exception as exc:  # noqa: BLE001 - report every failure, not only the first
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results[name] = {"ok": ok, "detail": detail}
    if "--json" in argv:
        print(json.dumps(results, indent=2))
    else:
        for name, res in results.items():
            print(f"{'ok  ' if res['ok'] else 'FAIL'} {name:<11} {res['detail']}")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
