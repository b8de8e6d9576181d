"""The ``[staff]`` and ``[refunds]`` sections of config.toml (parsed for ``config_file``).

    [staff]
    idle_lock_minutes = 5                 # 0 = never lock by itself
    max_failed_pins = 5                   # 1..10 wrong PINs in a row lock the account
    lockout_minutes = 30                  # >= 30, or 0 = until an admin unlocks it
    discount_threshold_percent = "10%"    # larger discounts need a supervisor
    discount_threshold_amount = ""        # and/or larger than this amount ("" = no limit)
    void_line_above = "20"                # voiding a line worth more needs a supervisor
                                          # ("0" = every void, "" = none)

    [staff.override_roles]                # who approves each override (default supervisor)
    price_override = "supervisor"

    [[refunds.rules]]                     # the refund authorisation matrix (none: default)
    name = "over 50"
    amount_over = "50.00"
    role = "supervisor"

Every problem names the key and the line, as the rest of the file does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from ireti_till.domain.errors import ConfigError, InputError
from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.overrides import DiscountThreshold, OverrideKind, OverrideRules
from ireti_till.domain.refund_policy import RefundMatrix, default_matrix, matrix_from_config
from ireti_till.domain.staff import PCI_MAX_ATTEMPTS, LockoutPolicy, Role

if TYPE_CHECKING:
    from ireti_till.adapters.config_file import _Checker

STAFF_KEYS: Final[dict[str, type]] = {
    "idle_lock_minutes": int, "max_failed_pins": int, "lockout_minutes": int,
    "discount_threshold_percent": str, "discount_threshold_amount": str,
    "void_line_above": str, "override_roles": dict,
}
REFUND_KEYS: Final[dict[str, type]] = {"rules": list}


@dataclass(frozen=True, slots=True)
class StaffSettings:
    idle_lock_minutes: int = 5  # 0: never
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    overrides: OverrideRules = field(default_factory=OverrideRules)


_RATE_RE: Final = re.compile(r"([0-9]{1,3})(\.[0-9]{1,4})? *%")  # always fullmatch


def parse_rate(checker: _Checker, key: tuple[str | int, ...], text: str) -> Decimal:
    """A tax rate written like "20%" or "5.5%" (0..100) as a fraction."""
    m = _RATE_RE.fullmatch(text.strip(" "))
    if not m or Decimal(m.group(1) + (m.group(2) or "")) > 100:
        raise checker.fail(key, f"'{text:.20}' is not a rate; write it like \"20%\" or \"5.5%\"")
    return Decimal(m.group(1) + (m.group(2) or "")) / 100


def parse_store_limits(c: _Checker, store: dict[str, Any]) -> tuple[str, int]:
    """``[store] timezone`` (IANA name, "" = this computer's) and ``max_basket_lines``."""
    zone = parse_timezone(c, ("store", "timezone"), store.get("timezone", ""))
    lines = store.get("max_basket_lines", 500)
    if not 1 <= lines <= 5000:
        raise c.fail(("store", "max_basket_lines"), "must be between 1 and 5000")
    return zone, lines


def parse_timezone(checker: _Checker, key: tuple[str | int, ...], name: str) -> str:
    """An IANA time zone name ("America/New_York"); "" means this computer's zone."""
    if not name:
        return ""
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except (ValueError, OSError, ArithmeticError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise checker.fail(key, f"'{name:.40}' is not a time zone; write it like "
                                "\"Europe/Paris\" or \"America/New_York\"") from exc
    except KeyError as exc:
        raise checker.fail(key, f"'{name:.40}' is not a known time zone") from exc
    return name


def _percent(c: _Checker, key: tuple[str, ...], text: str) -> Decimal:
    body = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(body)
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100 or int(value.as_tuple().exponent) < -2:
        raise c.fail(key, f"'{text:.20}' is not a percentage; write it like \"10%\"")
    return value


def parse_staff(c: _Checker, raw: dict[str, Any], currency: str,
                fallback_idle: int) -> StaffSettings:
    data = c.table(raw, "staff", ("staff",))
    idle = data.get("idle_lock_minutes", fallback_idle)
    if not 0 <= idle <= 240:
        raise c.fail(("staff", "idle_lock_minutes"), "must be between 0 and 240")
    tries = data.get("max_failed_pins", 5)
    if not 1 <= tries <= PCI_MAX_ATTEMPTS:
        raise c.fail(("staff", "max_failed_pins"),
                     f"must be between 1 and {PCI_MAX_ATTEMPTS} (PCI DSS 8.3.4)")
    minutes = data.get("lockout_minutes", 30)
    if minutes != 0 and not 30 <= minutes <= 24 * 60:
        raise c.fail(("staff", "lockout_minutes"),
                     "must be 0 (until an admin unlocks) or 30 to 1440 (PCI DSS 8.3.4)")
    lockout = LockoutPolicy(tries, None if minutes == 0 else timedelta(minutes=minutes))
    percent = _percent(c, ("staff", "discount_threshold_percent"),
                       data.get("discount_threshold_percent", "10%"))
    amount: Money | None = None
    amount_text = data.get("discount_threshold_amount", "").strip()
    if amount_text:
        try:
            amount = parse_amount(amount_text, currency)
        except ConfigError:
            raise
        except Exception as exc:
            raise c.fail(("staff", "discount_threshold_amount"),
                         f"'{amount_text:.20}' is not an amount in {currency}") from exc
    void_above = _void_line_above(c, data.get("void_line_above", "20"), currency)
    roles: dict[OverrideKind, Role] = {}
    for kind_name, role_name in data.get("override_roles", {}).items():
        where = ("staff", "override_roles", kind_name)
        try:
            kind = OverrideKind(kind_name)
        except ValueError:
            raise c.fail(where, f"unknown override '{kind_name:.30}' (known: "
                                f"{', '.join(k.value for k in OverrideKind)})",
                         code="IT-212") from None
        if kind is OverrideKind.VOID_PAID_SALE:  # accepted before but never asked for
            raise c.fail(where, "void_paid_sale is not used: a paid sale is reversed with a "
                                "refund, approved by the [refunds] rules; delete this line",
                         code="IT-212")
        if not isinstance(role_name, str) or role_name not in ("supervisor", "admin"):
            raise c.fail(where, "must be \"supervisor\" or \"admin\"")
        roles[kind] = Role(role_name)
    rules = OverrideRules(
        approver_role=tuple({**dict(OverrideRules().approver_role), **roles}.items()),
        discount=DiscountThreshold(percent, amount), void_line_above=void_above)
    return StaffSettings(idle, lockout, rules)


def _void_line_above(c: _Checker, text: str, currency: str) -> Decimal | None:
    """``[staff] void_line_above``: an amount in major units ("20", "12.50"); "" = none."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_amount(text, currency).to_decimal()
    except InputError as exc:
        raise c.fail(("staff", "void_line_above"),
                     f"'{text:.20}' is not an amount in {currency}; write it like \"20\" "
                     "(\"0\" = every void needs a supervisor, \"\" = none does)",
                     code="IT-484") from exc


def parse_refunds(c: _Checker, raw: dict[str, Any], currency: str) -> RefundMatrix:
    data = c.table(raw, "refunds", ("refunds",))
    rules = data.get("rules")
    if rules is None:
        return default_matrix(currency)
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise c.fail(("refunds", "rules", i), "each rule must be a [[refunds.rules]] table")
        try:
            matrix_from_config([rule], currency)
        except ConfigError as exc:
            prefix, _, message = exc.message.partition(": ")
            bad = prefix.split("].", 1)[1] if "]." in prefix else next(
                (k for k in rule if f"'{k}'" in message or message.startswith(k)), None)
            key: tuple[str | int, ...] = ("refunds", "rules", i, *(() if bad is None else (bad,)))
            raise c.fail(key, message, code="IT-448") from exc
    return matrix_from_config(rules, currency)
