"""Redaction of secrets and personal data from text and structured values (pure).

Used by the log filter on every handler and by the support bundle, so both hide the same
things. Conservative by design: anything that *looks* like a secret is hidden, even at the
cost of hiding an innocent number. What is hidden:

- Stripe keys and secrets: ``sk_``/``rk_``/``pk_`` ``live``/``test`` keys, ``whsec_`` secrets;
- ``Authorization`` header values (``Bearer``/``Basic`` and bare tokens);
- PAN-shaped digit runs: 13 to 19 digits, optionally split by single spaces or dashes, whether
  or not they pass the Luhn check (a mistyped card number is still a card number);
- PINs: fields whose name is or contains the word ``pin`` (``pin``, ``supervisor_pin``), in
  ``pin=1234`` / ``"pin": "1234"`` form or as mapping keys, unless the value is shaped like a
  setting rather than a PIN (a count under 100 or a boolean: ``max_failed_pins = 5`` stays);
- passwords, tokens, secrets and API keys given as ``name=value`` or as mapping keys;
- e-mail addresses.

Redaction is idempotent: redacting redacted text changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

REDACTED = "[REDACTED]"
PAN_MARK = "[REDACTED-PAN]"
EMAIL_MARK = "[REDACTED-EMAIL]"

_STRIPE_KEY = re.compile(r"\b((?:sk|rk|pk)_(?:live|test)|whsec)_[A-Za-z0-9]+")
_AUTHORIZATION = re.compile(
    r"""(?ix)
    (authorization["']?\s*[:=]\s*["']?)      # the header name and separator
    (?:(bearer|basic|token)\s+)?+           # an optional scheme, kept (possessive)
    (?!\[REDACTED\])[^\s"',;}]+              # the credential
    """
)
# 13-19 digits with at most one space or dash between digits, not part of a longer word or
# identifier (so the last group of a UUID or a Stripe id is left alone).
_PAN = re.compile(r"(?<!\w)(?<!\w-)\d(?:[ -]?\d){12,18}(?!-?\w)")
# "PIN 1234", "pin is 1234": a PIN spoken in prose rather than as name=value.
_PIN_PROSE = re.compile(r"(?i)(?<![A-Za-z0-9_])(pins?\s+(?:is\s+|was\s+)?)\d{4,12}(?!\w)")
_SENSITIVE_WORDS = (r"pins?|password|passwd|passphrase|secret|token|api_key|apikey|secret_key|"
                    r"private_key|cvc|cvv")
_SENSITIVE_NAME = rf"(?:\w*?_)?(?:{_SENSITIVE_WORDS})(?:_\w*)?"
_SENSITIVE_IDENT = re.compile(rf"(?i)^(?:\w*_)?(?:{_SENSITIVE_WORDS})(?:_\w*)?$")
# Any identifier followed by ``=`` or ``:`` and a value; the callback keeps the value unless
# the identifier is sensitive (faster than one big pattern with the names inside).
_NAME_VALUE = re.compile(
    r"""(?<!\w)([A-Za-z][\w]*)(["']?\s*[:=]\s*["']?)(?!\[REDACTED\])([^\s"',;&}]+)"""
)
# Cheap substring tests that decide whether a pattern can match at all (most lines: no).
_NAME_HINTS = ("pin", "pass", "secret", "token", "key", "cvc", "cvv")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SENSITIVE_KEY = re.compile(rf"(?i)^(?:{_SENSITIVE_NAME}|authorization|stripe_key|key)$")


_PIN_IDENT = re.compile(r"(?i)^(?:\w*_)?pins?(?:_\w*)?$")
_OTHER_SECRET_IDENT = re.compile(
    r"(?i)^(?:\w*_)?(?:password|passwd|passphrase|secret|token|api_key|apikey|secret_key|"
    r"private_key|cvc|cvv)(?:_\w*)?$"
)
_SETTING_SHAPE = re.compile(r"(?i)^(?:\d{1,2}|true|false|none|null)$")

# Configuration keys whose value is a secret whatever it looks like (the support bundle's
# config.json); every other key is kept and its value redacted only by its shape.
SECRET_CONFIG_KEYS = frozenset({
    "api_key", "apikey", "secret", "secret_key", "stripe_key", "key", "webhook_secret",
    "password", "passwd", "passphrase", "token", "access_token", "refresh_token",
    "private_key", "pin", "supervisor_pin", "admin_pin", "authorization", "client_secret",
})


def _pin_setting(name: str, value: object) -> bool:
    """True for a ``pin``-named field whose value is a setting (a small count, a flag)."""
    if not _PIN_IDENT.match(name) or _OTHER_SECRET_IDENT.match(name):
        return False
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return 0 <= value < 100
    return isinstance(value, str) and bool(_SETTING_SHAPE.match(value))


def _name_value(match: re.Match[str]) -> str:
    if _pin_setting(match.group(1), match.group(3)):
        return match.group(0)
    if _SENSITIVE_IDENT.match(match.group(1)):
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    return match.group(0)


def redact_text(text: str) -> str:
    """Return ``text`` with every secret, card-like number, PIN and e-mail address hidden."""
    if not text:
        return text
    low = text.lower()
    if "_live_" in low or "_test_" in low or "whsec_" in low:
        text = _STRIPE_KEY.sub(lambda m: f"{m.group(1)}_{REDACTED}", text)
    if "authorization" in low:
        text = _AUTHORIZATION.sub(
            lambda m: f"{m.group(1)}{m.group(2) + ' ' if m.group(2) else ''}{REDACTED}", text
        )
    if any(hint in low for hint in _NAME_HINTS):
        text = _NAME_VALUE.sub(_name_value, text)
        if "pin" in low:
            text = _PIN_PROSE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MARK, text)
    return _PAN.sub(PAN_MARK, text)


def is_sensitive_key(key: str) -> bool:
    """True for mapping keys whose value is hidden whatever it is (``pin``, ``api_key``...)."""
    return bool(_SENSITIVE_KEY.match(key.strip()))


def redact_value(value: object) -> object:
    """Redact a JSON-like value: strings are scrubbed, sensitive keys blanked, containers walked.

    Integers long enough to be card numbers are hidden too; other scalars pass through.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return PAN_MARK if 13 <= len(str(abs(value))) <= 19 else value
    if isinstance(value, Mapping):
        return {
            str(k): (REDACTED if is_sensitive_key(str(k)) and not _pin_setting(str(k), v)
                     else redact_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return redact_text(str(value))


def redact_config(value: object) -> object:
    """Redact parsed configuration: the keys in ``SECRET_CONFIG_KEYS`` are blanked, every other
    value is kept unless its *shape* is a secret (a Stripe key, a card number, an e-mail)."""
    if isinstance(value, Mapping):
        return {
            str(k): (REDACTED if str(k).strip().lower() in SECRET_CONFIG_KEYS
                     else redact_config(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_config(v) for v in value]
    return redact_value(value)


def contains_secret(text: str) -> bool:
    """True when ``redact_text`` would change ``text`` (used by tests and the bundle check)."""
    return redact_text(text) != text
