"""The ``[shift]``, ``[printer]`` and ``[email]`` sections of config.toml.

    [shift]
    denominations = ["500", "200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20",
                     "0.10", "0.05", "0.02", "0.01"]   # notes and coins (default: currency's)
    paid_limit = "50.00"        # paid in/out above this needs a supervisor
    tolerance = "5.00"          # a closing count off by more needs a reason and a supervisor

    [printer]
    kind = "network"            # network | usb | serial | virtual | none
    host = "192.168.1.50"       # network: the printer's address (port 9100)
    port = 9100
    usb = "04b8:0202"           # usb: vendor:product in hex
    serial = "/dev/ttyUSB0"     # serial: the device, with baudrate = 19200
    paper_mm = 80               # 58 or 80
    logo = "logo.png"           # in the data directory, else the one shipped in resources/

    [email]                     # email receipts (the password goes in the OS keyring)
    host = "smtp.example.com"
    port = 587
    sender = "shop@example.com"
    starttls = true
    username = "shop@example.com"

A wrong value names its key (IT-213; a printer address that cannot be one: IT-623).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ireti_till.adapters.printers.email_smtp import SmtpConfig
from ireti_till.adapters.printers.escpos_printer import KINDS, PrinterConfig
from ireti_till.domain.errors import ConfigError, TillError
from ireti_till.domain.money import parse_amount
from ireti_till.domain.shift import ShiftSettings, default_settings

SHIFT_KEYS: Final[dict[str, type]] = {"denominations": list, "paid_limit": str,
                                      "tolerance": str}
PRINTER_KEYS: Final[dict[str, type]] = {
    "kind": str, "host": str, "port": int, "usb": str, "serial": str, "baudrate": int,
    "paper_mm": int, "logo": str, "status_queries": bool}
EMAIL_KEYS: Final[dict[str, type]] = {"host": str, "port": int, "sender": str,
                                      "starttls": bool, "username": str}
RESOURCES: Final = Path(__file__).resolve().parents[2] / "resources"
_HOST_RE: Final = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$")
_USB_RE: Final = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")


@dataclass(frozen=True, slots=True)
class TradingDaySettings:
    shift: ShiftSettings
    printer: PrinterConfig
    email: SmtpConfig | None = None


def _fail(key: str, message: str, code: str = "IT-213") -> ConfigError:
    return ConfigError(f"config.toml [{key}]: {message}", code=code)


def _typed(section: str, table: Any, keys: dict[str, type]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _fail(section, f"must be a [{section}] table")
    for key, value in table.items():
        if key not in keys:
            raise _fail(f"{section}] {key}", f"unknown key (known: {', '.join(keys)})")
        if not isinstance(value, keys[key]) or isinstance(value, bool) != (keys[key] is bool):
            raise _fail(f"{section}] {key}", f"must be {keys[key].__name__}")
    return table


def _shift(table: dict[str, Any], currency: str) -> ShiftSettings:
    base = default_settings(currency)
    try:
        denoms = tuple(parse_amount(str(d), currency, allow_zero=False).minor
                       for d in table.get("denominations", ())) or base.denominations
        limit = parse_amount(table["paid_limit"], currency) if "paid_limit" in table else (
            base.paid_limit)
        tolerance = parse_amount(table["tolerance"], currency) if "tolerance" in table else (
            base.tolerance)
    except TillError as exc:
        raise _fail("shift", exc.message) from exc
    return ShiftSettings(currency, denoms, limit, tolerance)


def printer_config(table: dict[str, Any], data_dir: Path | None = None) -> PrinterConfig:
    """A ``PrinterConfig`` from the ``[printer]`` table (also used by the admin screen)."""
    kind = table.get("kind", "none")
    if kind not in KINDS:
        raise _fail("printer] kind", f"'{kind:.20}' is not one of {', '.join(KINDS)}")
    paper = table.get("paper_mm", 80)
    if paper not in (58, 80):
        raise _fail("printer] paper_mm", "use 58 or 80")
    options: dict[str, Any] = {"kind": kind, "paper_mm": paper,
                               "status_queries": table.get("status_queries", True)}
    if kind == "network":
        host = table.get("host", "").strip()
        if not _valid_host(host):
            raise _fail("printer] host", f"'{host:.40}' is not a printer address", "IT-623")
        port = table.get("port", 9100)
        if not 1 <= port <= 65535:
            raise _fail("printer] port", "use 1-65535 (most printers: 9100)", "IT-623")
        options |= {"host": host, "port": port}
    elif kind == "usb":
        m = _USB_RE.match(table.get("usb", ""))
        if not m:
            raise _fail("printer] usb", "write it as vendor:product, e.g. \"04b8:0202\"",
                        "IT-623")
        options |= {"usb_vendor": int(m.group(1), 16), "usb_product": int(m.group(2), 16)}
    elif kind == "serial":
        if not table.get("serial"):
            raise _fail("printer] serial", "name the device, e.g. \"/dev/ttyUSB0\"", "IT-623")
        options |= {"serial_device": table["serial"], "baudrate": table.get("baudrate", 19200)}
    logo = table.get("logo", "logo.png")
    for folder in (data_dir, RESOURCES):
        if folder is not None and (folder / logo).is_file():
            options["logo"] = folder / logo
            break
    return PrinterConfig(**options)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST_RE.match(host)) and not host.replace(".", "").isdigit()


def parse_trading_day(data: dict[str, Any], currency: str,
                      data_dir: Path | None = None) -> TradingDaySettings:
    shift = _shift(_typed("shift", data.get("shift", {}), SHIFT_KEYS), currency)
    printer = printer_config(_typed("printer", data.get("printer", {}), PRINTER_KEYS),
                             data_dir)
    email = None
    if "email" in data:
        e = _typed("email", data["email"], EMAIL_KEYS)
        if not e.get("host") or not e.get("sender"):
            raise _fail("email", "host and sender are needed for email receipts")
        email = SmtpConfig(e["host"], e.get("port", 587), e["sender"], e.get("starttls", True),
                           e.get("username", ""))
    return TradingDaySettings(shift, printer, email)


def read_trading_day(config_path: Path, currency: str) -> TradingDaySettings:
    """The three sections straight from ``config.toml`` (the rest is ``config_file``'s)."""
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        data = {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config.toml cannot be read: {exc}", code="IT-211") from exc
    return parse_trading_day(data, currency, config_path.parent)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def save_printer(config_path: Path, table: dict[str, Any]) -> PrinterConfig:
    """Check ``table`` (IT-623/IT-213, nothing written if bad), then write it as the
    ``[printer]`` section of config.toml (replacing the old one; the rest of the file and
    its comments stay), atomically."""
    kept = {k: v for k, v in table.items() if k in PRINTER_KEYS and v not in ("", -1)}
    config = printer_config(_typed("printer", kept, PRINTER_KEYS), config_path.parent)
    try:
        text = config_path.read_text(encoding="utf-8-sig") if config_path.exists() else ""
    except OSError as exc:
        raise ConfigError(f"config.toml cannot be read: {exc.strerror}", code="IT-211") from exc
    out: list[str] = []
    skipping = False
    for line in text.splitlines():
        header = line.strip()
        if header.startswith("[") and not header.startswith("[["):
            skipping = header.split("#")[0].strip() == "[printer]"
        elif header.startswith("[["):
            skipping = False
        if not skipping:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    out += ["", "[printer]", *(f"{k} = {_toml_value(v)}" for k, v in kept.items())]
    tmp = config_path.with_name(config_path.name + ".tmp")
    try:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
        tomllib.loads(tmp.read_text(encoding="utf-8"))  # never leave a file that won't load
        tmp.replace(config_path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"config.toml could not be written: {exc}", code="IT-214") from exc
    return config
