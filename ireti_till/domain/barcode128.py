"""Code 128 encoder (pure): text -> symbol values -> bar/space module pattern.

Used to print the receipt code (``T01-000042``) as a barcode that the refund screen can
scan back. Code set B covers printable ASCII (32..126); runs of digits are packed two per
symbol with code set C, which keeps receipt barcodes short enough for 58 mm paper.

The result of :func:`modules` is a string of ``"1"`` (bar) and ``"0"`` (space) modules,
including the quiet zones, ready to be drawn one module = N device pixels.
"""

from __future__ import annotations

from typing import Final

# Widths (bar, space, bar, space, bar, space) of symbol values 0..105, then STOP (106).
_PATTERNS: Final[tuple[str, ...]] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
    "211214", "211232", "2331112",
)

START_B: Final = 104
START_C: Final = 105
CODE_B: Final = 100  # switch to code set B (when in C)
CODE_C: Final = 99  # switch to code set C (when in B)
STOP: Final = 106
QUIET_ZONE: Final = 10  # modules of white each side (the standard's minimum)
MAX_LENGTH: Final = 80


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isdigit() and text[end].isascii():
        end += 1
    return end - start


def _check(text: str) -> None:
    if not text:
        raise ValueError("Code 128 needs at least one character")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"Code 128 text is limited to {MAX_LENGTH} characters here")
    for ch in text:
        if not 32 <= ord(ch) <= 126:
            raise ValueError(f"{ch!r} cannot be encoded in Code 128 set B")


def encode(text: str) -> list[int]:
    """Symbol values for ``text``: start, data (B/C switching), check symbol, stop."""
    _check(text)
    values: list[int] = []
    i = 0
    lead = _digit_run(text, 0)
    in_c = lead >= 4
    values.append(START_C if in_c else START_B)
    while i < len(text):
        run = _digit_run(text, i)
        if in_c:
            if run >= 2:
                values.append(int(text[i : i + 2]))
                i += 2
                continue
            values.append(CODE_B)
            in_c = False
            continue
        # In set B: switch to C for a run of >= 6 digits, or >= 4 that ends the text.
        if run >= 6 or (run >= 4 and i + run == len(text)):
            if run % 2:  # odd run: the first digit goes in B so the rest pairs up
                values.append(ord(text[i]) - 32)
                i += 1
            values.append(CODE_C)
            in_c = True
            continue
        values.append(ord(text[i]) - 32)
        i += 1
    checksum = values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))
    values.append(checksum % 103)
    values.append(STOP)
    return values


def widths(values: list[int]) -> str:
    """The bar/space width digits of a list of symbol values (bar first)."""
    return "".join(_PATTERNS[v] for v in values)


def modules(text: str, quiet: int = QUIET_ZONE) -> str:
    """``"1"``/``"0"`` modules for ``text`` with ``quiet`` white modules at each end."""
    out = ["0" * quiet]
    bar = True
    for w in widths(encode(text)):
        out.append(("1" if bar else "0") * int(w))
        bar = not bar
    out.append("0" * quiet)
    return "".join(out)


def decode(module_text: str) -> str:
    """Read a module string produced by :func:`modules` back to text (used by tests).

    Verifies start, check symbol and stop; raises ``ValueError`` on any mismatch."""
    core = module_text.strip("0")
    runs: list[int] = []
    for ch in core:
        if runs and ((len(runs) % 2 == 1) == (ch == "1")):
            runs[-1] += 1
        else:
            runs.append(1)
    digits = "".join(str(r) for r in runs)
    lookup = {p: v for v, p in enumerate(_PATTERNS[:106])}
    if not digits.endswith(_PATTERNS[STOP]) or (len(digits) - 7) % 6:
        raise ValueError("not a Code 128 symbol")
    values = [lookup[digits[k : k + 6]] for k in range(0, len(digits) - 7, 6)]
    *body, check = values
    if (body[0] + sum(p * v for p, v in enumerate(body[1:], start=1))) % 103 != check:
        raise ValueError("Code 128 check symbol does not match")
    if body[0] not in (START_B, START_C):
        raise ValueError("unsupported start code")
    in_c = body[0] == START_C
    text: list[str] = []
    for v in body[1:]:
        if v == CODE_B and in_c:
            in_c = False
        elif v == CODE_C and not in_c:
            in_c = True
        else:
            text.append(f"{v:02d}" if in_c else chr(v + 32))
    return "".join(text)
