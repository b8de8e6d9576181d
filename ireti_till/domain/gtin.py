"""GTIN barcodes (GTIN-8/12/13/14, GS1 mod-10 check digit) and scanner input.

A barcode scanner is a keyboard: what arrives is whatever keys it "typed", including
control characters (a CR or a GS separator), a misconfigured prefix, or 200 characters of
garbage when something leans on it. ``clean_scan`` turns that into a short, printable
token or raises ``InputError`` with a message a cashier can act on; it never crashes.

Normalisation: every GTIN is stored and looked up in one canonical form, so a UPC-A
(GTIN-12) scanned from a US product finds the same catalog entry as its EAN-13 form.
The canonical form is the GTIN zero-padded to 14 digits (as GS1 defines it), then
written with 13 digits when the 14-digit form starts with ``0`` (covering GTIN-8, -12,
-13 and GTIN-14 with indicator 0), else with all 14 digits.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from ireti_till.domain.errors import InputError

GTIN_LENGTHS: Final[frozenset[int]] = frozenset({8, 12, 13, 14})
#: Longest token accepted from the scan field (a GTIN-14 or a SKU, with room to spare).
MAX_SCAN_LENGTH: Final[int] = 48
#: Raw input longer than this is rejected before any work is done on it.
_MAX_RAW: Final[int] = 4096

_DIGITS_RE: Final = re.compile(r"^[0-9]+$")
# Magnetic stripe track 1 (%B<PAN>^...) or track 2 (;<PAN>=...) typed by a card swipe.
_CARD_SWIPE_RE: Final = re.compile(r"(%B\d{6,}|;\d{12,19}=)")


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits of a GTIN except the last).

    From the right, digits are weighted 3, 1, 3, 1...; the check digit brings the
    weighted sum up to a multiple of ten.
    """
    if not _DIGITS_RE.match(body):
        raise ValueError("check_digit() needs digits")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    return (
        len(code) >= 2
        and _DIGITS_RE.match(code) is not None
        and check_digit(code[:-1]) == int(code[-1])
    )


def is_gtin_shaped(code: str) -> bool:
    """Digits only, of a GTIN length (the check digit is not examined)."""
    return len(code) in GTIN_LENGTHS and _DIGITS_RE.match(code) is not None


def is_valid_gtin(code: str) -> bool:
    return is_gtin_shaped(code) and has_valid_check_digit(code)


def normalise_gtin(code: str) -> str:
    """Validate a GTIN-8/12/13/14 and return its canonical form (see module docstring).

    Raises ``InputError`` (IT-120 not digits / wrong length, IT-121 bad check digit).
    """
    code = code.strip()
    if not _DIGITS_RE.match(code):
        raise InputError(
            "A barcode is made of digits only; scan it again or type the SKU", code="IT-120"
        )
    if len(code) not in GTIN_LENGTHS:
        raise InputError(
            f"A barcode has 8, 12, 13 or 14 digits, this one has {len(code)}; "
            "scan it again or type the SKU",
            code="IT-120",
        )
    if not has_valid_check_digit(code):
        raise InputError(
            f"Barcode {code} has a wrong check digit (misread?); scan it again or type it",
            code="IT-121",
        )
    padded = code.zfill(14)
    return padded[1:] if padded[0] == "0" else padded


def gtin13_from12(first12: str) -> str:
    """Append the check digit to 12 digits, giving a valid GTIN-13 (demo catalogs use it)."""
    if len(first12) != 12 or not _DIGITS_RE.match(first12):
        raise ValueError("gtin13_from12() needs exactly 12 digits")
    return first12 + str(check_digit(first12))


def _is_dropped(ch: str) -> bool:
    # Cc: C0/C1 controls (CR, LF, TAB, GS...); Cf: format characters incl. bidi marks
    # and zero-width spaces; Cs/Co/Cn: surrogates, private use, unassigned.
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def looks_like_card_swipe(raw: str) -> bool:
    """True for magnetic-stripe track data typed by a card reader into the scan field."""
    return _CARD_SWIPE_RE.search(raw) is not None


_AIM_RE: Final = re.compile(r"^\][A-Za-z][0-9A-Za-z]")  # e.g. "]E0" EAN-13, "]C1" GS1-128
_GS1_AI01_RE: Final = re.compile(r"^(?:\(01\)|01)([0-9]{14})")


# A scanner set to a US layout, plugged into a PC with a French (AZERTY) layout, types
# the unshifted digit row instead of digits: "4006381333931" arrives as "'àà§(&*...".
_AZERTY_DIGITS: Final = str.maketrans("à&é\"'(-è_ç", "0123456789")
_AZERTY_CHARS: Final = frozenset("à&é\"'(-è_ç")


def from_azerty(text: str) -> str | None:
    """The digits a US-layout scanner meant, when ``text`` is all AZERTY digit-row keys
    and the result is a valid GTIN; else ``None``."""
    if text and set(text) <= _AZERTY_CHARS:
        digits = text.translate(_AZERTY_DIGITS)
        return digits if is_valid_gtin(digits) else None
    return None


def scanned_code(text: str) -> str:
    """The product code in a cleaned scan: drops a scanner's AIM symbology identifier
    (``]E0``...), takes the GTIN out of a GS1 element string that starts with
    application identifier 01 (GS1-128 / GS1 DataMatrix: ``(01)04006381333931(17)...``)
    when that GTIN's check digit is valid, and undoes an AZERTY keyboard-layout mix-up
    (``from_azerty``). Anything else is returned unchanged."""
    azerty = from_azerty(text)
    if azerty is not None:
        return azerty
    code = _AIM_RE.sub("", text, count=1) if text.startswith("]") else text
    m = _GS1_AI01_RE.match(code)
    if m and len(code) > 14 and has_valid_check_digit(m.group(1)):
        return m.group(1)
    return code


def clean_scan(raw: object) -> str:
    """Scanner/keyboard input -> a printable token (controls removed, NFC, trimmed).

    Raises ``InputError``: IT-123 too long or empty, IT-124 a card was swiped.
    Error messages never repeat the input when it could be card data.
    """
    if not isinstance(raw, str):
        raise InputError("The scan could not be read; scan again", code="IT-123")
    if len(raw) > _MAX_RAW:
        raise InputError(
            f"That scan was {len(raw)} characters long, which is not a barcode or SKU; "
            "check the scanner and scan again",
            code="IT-123",
        )
    if looks_like_card_swipe(raw):
        raise InputError(
            "That looks like a card swipe: cards are only taken on the card reader",
            code="IT-124",
        )
    text = unicodedata.normalize("NFC", "".join(ch for ch in raw if not _is_dropped(ch)))
    text = " ".join(text.split())
    if not text:
        raise InputError("Nothing was scanned; scan the barcode again", code="IT-123")
    if len(text) > MAX_SCAN_LENGTH:
        raise InputError(
            f"That scan was {len(text)} characters long, which is not a barcode or SKU; "
            "check the scanner and scan again",
            code="IT-123",
        )
    return text
