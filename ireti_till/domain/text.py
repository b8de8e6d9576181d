"""Text typed or imported by people: product names, SKUs, reasons.

Rules (DESIGN §3): Unicode NFC; no control characters (C0/C1), no format characters
(bidi overrides and isolates such as U+202E, zero-width spaces, BOM), no surrogates or
private-use characters; runs of whitespace collapse to one space; a length cap per field.
``clean_text`` *rejects* such text with a clear message (an import row or a typed reason
is shown back to its author); ``strip_controls`` silently removes the characters (for
keyboard-wedge input such as the scan or search field).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from ireti_till.domain.errors import InputError

MAX_NAME: Final[int] = 120
MAX_SKU: Final[int] = 40
MAX_REASON: Final[int] = 200

_SPACES: Final[str] = "\t\r\n"
_BAD_CATEGORIES: Final[frozenset[str]] = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _is_bad(ch: str) -> bool:
    return unicodedata.category(ch) in _BAD_CATEGORIES


def strip_controls(text: str) -> str:
    """Remove control/format characters, NFC-normalise, collapse whitespace."""
    kept = "".join(" " if ch in _SPACES else ch for ch in text if ch in _SPACES or not _is_bad(ch))
    return " ".join(unicodedata.normalize("NFC", kept).split())


def clean_text(
    text: object, *, field: str = "name", max_len: int = MAX_NAME, allow_empty: bool = False
) -> str:
    """Validate and normalise one line of text; raises ``InputError`` (IT-170..IT-172).

    ``field`` names the thing in the message ("name", "reason", "SKU").
    """
    if not isinstance(text, str):
        raise InputError(f"The {field} must be text", code="IT-170")
    bad = next((ch for ch in text if _is_bad(ch) and ch not in _SPACES), None)
    if bad is not None:
        raise InputError(
            f"The {field} contains an invisible or control character "
            f"(U+{ord(bad):04X}); retype it",
            code="IT-171",
        )
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if not cleaned and not allow_empty:
        raise InputError(f"The {field} must not be empty", code="IT-170")
    if len(cleaned) > max_len:
        raise InputError(
            f"The {field} is {len(cleaned)} characters long; at most {max_len} are allowed",
            code="IT-172",
        )
    return cleaned


def clean_name(text: object) -> str:
    return clean_text(text, field="name", max_len=MAX_NAME)


def clean_sku(text: object) -> str:
    """A SKU: clean text without spaces, at most ``MAX_SKU`` characters."""
    sku = clean_text(text, field="SKU", max_len=MAX_SKU)
    if " " in sku:
        raise InputError(f"The SKU '{sku}' must not contain spaces", code="IT-172")
    return sku


def clean_reason(text: object) -> str:
    return clean_text(text, field="reason", max_len=MAX_REASON)
