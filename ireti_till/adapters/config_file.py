"""The till's configuration: ``<data_dir>/config.toml``, validated strictly.

``load_config(data_dir)`` writes a commented default file on first start (training mode,
a demo store in EUR with tax-inclusive prices, rates S 20 %, R 5 %, Z 0 %, till "T01"),
then reads it with ``tomllib`` and checks every key. Any problem (a syntax error, an
unknown key, a wrong type, a bad currency, a duplicate tax code...) raises
``ConfigFileError`` (a ``ConfigError``) naming the key and the line, and the till refuses
to start: it never guesses. The Stripe secret key never lives in this file (DESIGN §9):
a value that looks like one is refused. ``KeyLines`` finds the line of every key (tomllib
only tells where a syntax error is). ``[shift]``/``[printer]``/``[email]``: keys checked
here, values read by ``config_trading_day``.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Final

from ireti_till.adapters.backoffice_retention import BACKOFFICE_KEYS
from ireti_till.adapters.config_alerts import ALERT_KEYS
from ireti_till.adapters.config_sections import (
    REFUND_KEYS,
    STAFF_KEYS,
    StaffSettings,
    parse_rate,
    parse_refunds,
    parse_staff,
    parse_store_limits,
)
from ireti_till.adapters.config_trading_day import EMAIL_KEYS, PRINTER_KEYS, SHIFT_KEYS
from ireti_till.domain.catalog import TaxRate
from ireti_till.domain.currencies import ISO_CURRENCIES
from ireti_till.domain.errors import ConfigError
from ireti_till.domain.refund_policy import RefundMatrix, default_matrix
from ireti_till.domain.settings import StoreSettings

CONFIG_FILENAME: Final = "config.toml"
KEYRING_SERVICE: Final = "ireti-till"
#: keyring user name of the Stripe secret key for a mode: "stripe-secret-key-test" / "-live"
STRIPE_KEY_USER: Final = "stripe-secret-key-{mode}"
MODES: Final = ("training", "test", "live")

Key = tuple[str | int, ...]

_HEADER_RE: Final = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_RE: Final = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


class KeyLines:
    def __init__(self, text: str) -> None:
        self.lines: dict[Key, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        table: Key = ()
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER_RE.match(line)
            if header:
                name = _split_key(header.group(2))
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (*name, index)
                else:
                    table = name
                self.lines.setdefault(table, number)
                continue
            key = _KEY_RE.match(line)
            if key:
                self.lines.setdefault((*table, *_split_key(key.group(1))), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_multiline = quote

    def line_of(self, key: Key) -> int | None:
        """The line where ``key`` (or its nearest enclosing table) was written."""
        probe = tuple(key)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None



DEFAULT_CONFIG: Final = '''\
# Ireti Till configuration. Written on first start; edit it and restart the till.
# An invalid file stops the till with a message naming the line (it never guesses).
# Full reference: docs/configuration.md.  The Stripe secret key is NOT kept here:
# it lives in the operating system keyring.

[store]
name = "Demo Store"                   # printed at the top of every receipt
address = ["1 Market Street", "Springfield"]
tax_id = ""                           # VAT / tax registration number for receipts
currency = "EUR"                      # ISO 4217 code
till_id = "T01"                       # receipt numbers run per till: T01-000001, ...
prices_include_tax = true             # catalog prices include tax (false: tax is added)
receipt_footer = "Thank you for shopping with us"

# One [[tax_rates]] block per rate; catalog rows refer to the code.
[[tax_rates]]
code = "S"
name = "Standard"
rate = "20%"

[[tax_rates]]
code = "R"
name = "Reduced"
rate = "5%"

[[tax_rates]]
code = "Z"
name = "Zero"
rate = "0%"

[stripe]
# "training" uses the built-in Stripe emulator: no real money moves.
# "test" or "live" also need a Stripe key in the keyring; without one the till stays
# in training mode and says so.
mode = "training"
location_id = ""                      # tml_...
reader_id = ""                        # tmr_...

[ui]
beep = true                           # beep on an unknown or invalid scan

[staff]
idle_lock_minutes = 5                 # lock the till after this much idle time; 0 = never
max_failed_pins = 5                   # wrong PINs in a row before the account locks (1-10)
lockout_minutes = 30                  # how long it stays locked (30+); 0 = until an admin unlocks
discount_threshold_percent = "10%"    # bigger discounts need a supervisor's PIN
discount_threshold_amount = ""        # ...and so do discounts above this amount ("" = none)
void_line_above = "20"                # voids of lines worth more need one ("0" = all, "" = none)

# Who approves each override: "supervisor" (default) or "admin". Kinds: price_override,
# discount_above_threshold, no_sale_drawer, refund_above_limit, sign_out_unsent, void_line.
[staff.override_roles]
# no_sale_drawer = "admin"

# The refund authorisation matrix. Without any [[refunds.rules]] block the shipped default
# applies (docs/refund-procedures.md). Amounts are in major units, as text. Example:
# [[refunds.rules]]
# name = "over cashier limit"
# amount_over = "50.00"                 # also: age_over_days, daily_total_over,
# role = "supervisor"                   # without_receipt, other_till, second_person,
#                                       # cash_only, refuse (true/false)

[shift]                               # docs/trading-day.md; also: denominations = [...]
paid_limit = "50.00"                  # paid in/out above this needs a supervisor
tolerance = "5.00"                    # a count off by more needs a reason and a supervisor

# The receipt printer (also Admin > Printer): kind = network | usb | serial | virtual |
# none, with host/port, usb = "04b8:0202" or serial = "/dev/ttyUSB0". Training prints on
# screen. Email receipts: an [email] section (host, port, sender, starttls, username).
[printer]
kind = "none"
paper_mm = 80                         # 58 or 80
'''


class ConfigFileError(ConfigError):
    """A problem in config.toml, with the dotted ``key`` and the ``line`` (when known)."""

    def __init__(self, message: str, *, key: str | None, line: int | None, path: Path,
                 code: str = "IT-213") -> None:
        where = f"{path.name} line {line}" if line else path.name
        what = f" ({key})" if key else ""
        super().__init__(
            f"{where}{what}: {message}. Fix {path} (or delete it to get the defaults back); "
            "the till will not start until then.",
            code=code,
        )
        self.key = key
        self.line = line
        self.path = path


@dataclass(frozen=True, slots=True)
class StripeSettings:
    mode: str = "training"  # "training" | "test" | "live"
    location_id: str = ""
    reader_id: str = ""


@dataclass(frozen=True, slots=True)
class UiSettings:
    lock_after_minutes: int = 5  # 0: never lock
    beep: bool = True


@dataclass(frozen=True, slots=True)
class AppConfig:
    store: StoreSettings
    training: bool  # True unless stripe.mode is test/live AND its key is in the keyring
    stripe: StripeSettings
    ui: UiSettings
    path: Path
    warnings: tuple[str, ...] = ()  # shown once at start, e.g. "live mode without a key"
    staff: StaffSettings = dataclass_field(default_factory=StaffSettings)
    refund_matrix: RefundMatrix | None = None  # None only for hand-built configs

    def refunds(self) -> RefundMatrix:
        return self.refund_matrix or default_matrix(self.store.currency)


_SCHEMA: Final[dict[str, dict[str, type]]] = {
    "store": {"name": str, "address": list, "tax_id": str, "currency": str, "till_id": str,
              "prices_include_tax": bool, "receipt_footer": str, "timezone": str,
              "max_basket_lines": int},
    "tax_rates": {"code": str, "name": str, "rate": str},
    "stripe": {"mode": str, "location_id": str, "reader_id": str},
    "ui": {"lock_after_minutes": int, "beep": bool},
    "staff": STAFF_KEYS,
    "refunds": REFUND_KEYS, "alerts": ALERT_KEYS,  # [alerts]: config_alerts.py
    "shift": SHIFT_KEYS, "printer": PRINTER_KEYS, "email": EMAIL_KEYS,  # config_trading_day
    "backoffice": BACKOFFICE_KEYS,  # backoffice_retention.py
}
_REQUIRED: Final = {"store": ("currency", "till_id"), "tax_rates": ("code", "rate")}
# Always fullmatch: "$" would also match before a final newline ("T01\n" is no till id).
_TILL_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,16}")
_CODE_RE: Final = re.compile(r"[A-Z0-9]{1,8}")
_SECRET_RE: Final = re.compile(r"^(sk|rk)_(test|live)_")
_TYPE_NAMES: Final = {str: "text in quotes", bool: "true or false", int: "a whole number",
                      list: "a list like [\"a\", \"b\"]"}


class _Checker:
    def __init__(self, text: str, path: Path) -> None:
        self.lines = KeyLines(text)
        self.path = path

    def fail(self, key: Key, message: str, code: str = "IT-213") -> ConfigFileError:
        dotted = ".".join(f"[{k}]" if isinstance(k, int) else k for k in key).replace(".[", "[")
        return ConfigFileError(message, key=dotted or None, line=self.lines.line_of(key),
                               path=self.path, code=code)

    def table(self, data: dict[str, Any], name: str, key: Key) -> dict[str, Any]:
        allowed = _SCHEMA[name]
        for field, value in data.items():
            where = (*key, field)
            if field not in allowed:
                hint = (" (the Stripe key belongs in the keyring, never in this file)"
                        if "key" in field or "secret" in field else
                        f" (known keys: {', '.join(allowed)})")
                raise self.fail(where, f"unknown key '{field}'{hint}", code="IT-212")
            expected = allowed[field]
            if (isinstance(value, bool) and expected is int) or not isinstance(value, expected):
                wanted = _TYPE_NAMES.get(expected, str(expected))
                raise self.fail(where, f"must be {wanted}, not {type(value).__name__} "
                                       f"{value!r:.30}")
            if isinstance(value, str) and _SECRET_RE.match(value.strip()):
                raise self.fail(where, "looks like a Stripe secret key: keys belong in the "
                                       "keyring, never in this file; remove it now")
        for field in _REQUIRED.get(name, ()):
            if field not in data:
                raise self.fail(key, f"'{field}' is missing", code="IT-213")
        return data


_Parsed = tuple[StoreSettings, StripeSettings, UiSettings, StaffSettings, RefundMatrix]


def _parse(text: str, path: Path) -> _Parsed:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        reason = str(exc).split(" (at ")[0]
        if "overwrite" in reason:
            reason += " (a key or table is written twice)"
        raise ConfigFileError(f"not valid TOML: {reason}", key=None,
                              line=int(line.group(1)) if line else None, path=path,
                              code="IT-211") from exc
    c = _Checker(text, path)
    for name in data:
        if name not in _SCHEMA:
            raise c.fail((name,), f"unknown section '{name}' (known: {', '.join(_SCHEMA)})",
                         code="IT-212")
        if name != "tax_rates" and not isinstance(data[name], dict):
            raise c.fail((name,), f"'{name}' must be a [{name}] table")
    store = c.table(data.get("store", {}), "store", ("store",))
    currency = store["currency"]
    if currency not in ISO_CURRENCIES:
        raise c.fail(("store", "currency"), f"'{currency:.10}' is not an ISO 4217 currency code "
                                            "(e.g. \"EUR\", \"GBP\", \"USD\")")
    if not _TILL_RE.fullmatch(store["till_id"]):
        raise c.fail(("store", "till_id"), "use 1-16 letters, digits, '-' or '_'")
    timezone, max_lines = parse_store_limits(c, store)
    address = store.get("address", [])
    if not all(isinstance(a, str) for a in address):
        raise c.fail(("store", "address"), "every address line must be text in quotes")
    raw_rates = data.get("tax_rates")
    if not isinstance(raw_rates, list) or not raw_rates:
        raise c.fail(("tax_rates",), "at least one [[tax_rates]] block is needed")
    rates: list[TaxRate] = []
    for i, raw in enumerate(raw_rates):
        if not isinstance(raw, dict):
            raise c.fail(("tax_rates",), "write each rate as a [[tax_rates]] block with code "
                                         "and rate, not a list of values")
        entry = c.table(raw, "tax_rates", ("tax_rates", i))
        code = entry["code"]
        if not _CODE_RE.fullmatch(code):
            raise c.fail(("tax_rates", i, "code"), f"'{code:.10}' must be 1-8 capital letters "
                                                   "or digits")
        if any(r.code == code for r in rates):
            raise c.fail(("tax_rates", i, "code"), f"tax code '{code}' is defined twice")
        rates.append(TaxRate(code, entry.get("name", code), parse_rate(c, ("tax_rates", i, "rate"),
                                                                  entry["rate"])))
    stripe = c.table(data.get("stripe", {}), "stripe", ("stripe",))
    if stripe.get("mode", "training") not in MODES:
        raise c.fail(("stripe", "mode"), f"must be one of {', '.join(MODES)}")
    ui = c.table(data.get("ui", {}), "ui", ("ui",))
    if not 0 <= ui.get("lock_after_minutes", 5) <= 240:
        raise c.fail(("ui", "lock_after_minutes"), "must be between 0 and 240")
    staff = parse_staff(c, data.get("staff", {}), currency, ui.get("lock_after_minutes", 5))
    refunds = parse_refunds(c, data.get("refunds", {}), currency)
    for section in ("shift", "printer", "email"):  # values: config_trading_day
        c.table(data.get(section, {}), section, (section,))
    return (
        StoreSettings(
            store_name=store.get("name", "Ireti Till"), currency=currency,
            till_id=store["till_id"], prices_include_tax=store.get("prices_include_tax", True),
            tax_rates=tuple(rates), address_lines=tuple(address),
            tax_id=store.get("tax_id", ""),
            receipt_footer=store.get("receipt_footer", "Thank you for shopping with us"),
            timezone=timezone, max_basket_lines=max_lines,
        ),
        StripeSettings(stripe.get("mode", "training"), stripe.get("location_id", ""),
                       stripe.get("reader_id", "")),
        UiSettings(staff.idle_lock_minutes, ui.get("beep", True)),
        staff,
        refunds,
    )


def stripe_key_present(mode: str) -> bool:
    """True if the keyring holds a Stripe secret key for ``mode`` (never reads it out)."""
    try:
        import keyring

        return bool(keyring.get_password(KEYRING_SERVICE, STRIPE_KEY_USER.format(mode=mode)))
    except Exception:  # noqa: BLE001 - no usable keyring means no key: stay in training
        return False


def write_default(path: Path) -> None:
    """Write the commented default config atomically (never over an existing file)."""
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(DEFAULT_CONFIG)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)  # FileExistsError if someone created the file meanwhile: keep it
    except OSError:  # no hard links (FAT, some network shares): plain rename, if still absent
        if not path.exists():
            Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_config(data_dir: Path, *,
                key_present: Callable[[str], bool] = stripe_key_present) -> AppConfig:
    """Read and validate ``<data_dir>/config.toml`` (writing the default first if absent)."""
    path = data_dir / CONFIG_FILENAME
    try:
        if not path.exists():
            write_default(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigFileError(f"cannot be read or written ({exc.strerror})", key=None,
                              line=None, path=path, code="IT-214") from exc
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigFileError("is not UTF-8 text", key=None, line=line, path=path,
                              code="IT-211") from exc
    store, stripe, ui, staff, refunds = _parse(text, path)
    training = stripe.mode == "training" or not key_present(stripe.mode)
    warnings = [f"stripe.mode is '{stripe.mode}' but no Stripe {stripe.mode} key is in the "
                "keyring: running in TRAINING mode, no real payments"
                ] if training and stripe.mode != "training" else []
    return AppConfig(store=store, training=training, stripe=stripe, ui=ui, path=path,
                     warnings=tuple(warnings), staff=staff, refund_matrix=refunds)
