"""Printable documents (pure): receipts, refund slips, X/Z reports as a list of simple ops.

A document is frozen at the moment its job is queued and stored as JSON in the job row, so
a reprint tomorrow prints what the customer got today, with ``COPY`` on top. Ops:
``{"t": "text", "s": str, "bold": bool, "big": bool, "align": "left|center|right"}``,
``{"t": "barcode", "data": str}`` (Code 128), ``{"t": "logo"}``, ``{"t": "feed", "n": int}``.
Every printer adapter (ESC/POS, the virtual one of training mode, the screen) reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from ireti_till.domain.errors import TillError
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.zreport import ZReport, report_lines

#: characters per line at font A
WIDTHS: Final = {58: 32, 80: 42}

Op = dict[str, Any]


class PrinterError(TillError):
    """The receipt printer could not print; the job stays queued and is retried."""

    code = "IT-620"


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool
    paper: str | None = None  # "ok", "low", "out"; None: the printer does not say
    cover_open: bool | None = None
    drawer_open: bool | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        if self.cover_open:
            return "cover open"
        if self.paper == "out":
            return "paper out"
        if not self.online:
            return "offline"
        return "paper low" if self.paper == "low" else "ready"


def text(s: str, *, bold: bool = False, big: bool = False, align: str = "left") -> Op:
    return {"t": "text", "s": s, "bold": bold, "big": big, "align": align}


def row(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


def dumps(ops: list[Op]) -> str:
    return json.dumps(ops, ensure_ascii=False, separators=(",", ":"))


def loads(document: str) -> list[Op]:
    ops: list[Op] = json.loads(document)
    return ops


def tax_table(rows: list[tuple[str, str, str, str]], width: int) -> list[str]:
    """``VAT  net  tax  gross`` with one row per rate, fitted to ``width`` columns."""
    label = width - 27
    out = [f"{'VAT':<{label}}{'net':>9}{'tax':>9}{'gross':>9}"]
    out += [f"{name[:label]:<{label}}{net:>9}{tax:>9}{gross:>9}"
            for name, net, tax, gross in rows]
    return out


def header(store: str, address: tuple[str, ...], tax_id: str, copy: bool) -> list[Op]:
    ops: list[Op] = [{"t": "logo"}]
    if copy:
        ops.append(text("*** COPY ***", bold=True, big=True, align="center"))
    ops.append(text(store, bold=True, big=True, align="center"))
    ops += [text(line, align="center") for line in address]
    if tax_id:
        ops.append(text(f"VAT {tax_id}", align="center"))
    return ops


def receipt(sale: CompletedSale, *, store: str, address: tuple[str, ...] = (),
            tax_id: str = "", footer: str = "", width: int = 42,
            copy: bool = False) -> list[Op]:
    """The customer's receipt of ``sale`` (``copy``: a reprint, marked COPY)."""
    ops = header(store, address, tax_id, copy)
    when = sale.completed_at.strftime("%Y-%m-%d %H:%M")
    ops.append(text(f"Receipt {sale.receipt_code}", bold=True))
    ops.append(text(row(when, f"Cashier {sale.cashier}"[: width - 17], width)))
    ops.append(text("-" * width))
    for ln in sale.lines:
        if ln.voided:
            ops.append(text(row(f"VOID {ln.name}", "0.00", width)))
            continue
        label = ln.name if ln.quantity == 1 else f"{ln.quantity} x {ln.name}"
        ops.append(text(row(label, f"{ln.total.format(False)} {ln.tax_code}", width)))
        if ln.discount:
            ops.append(text(row("   discount", f"-{ln.discount.format(False)}", width)))
    ops.append(text("-" * width))
    ops.append(text(row("TOTAL", str(sale.total), width), bold=True, big=True))
    for t in sale.tenders:
        if t.kind == "cash":
            ops.append(text(row("Cash", str(t.tendered), width)))
            if t.change:
                ops.append(text(row("Change", str(t.change), width)))
        else:
            card = f"Card {t.card_brand or ''} {'*' + t.card_last4 if t.card_last4 else ''}"
            ops.append(text(row(" ".join(card.split()), str(t.amount), width)))
    ops += [text(line) for line in tax_table(
        [(f"{t.tax_code} {t.rate_text}", t.net.format(False), t.tax.format(False),
          t.gross.format(False)) for t in sale.taxes], width)]
    ops.append({"t": "barcode", "data": sale.receipt_code})
    if footer:
        ops.append(text(footer, align="center"))
    if sale.training:
        ops.append(text("TRAINING - NOT A RECEIPT", bold=True, align="center"))
    return ops


def refund_slip(refund_code: str, receipt_code: str | None, amount: str, legs: list[str],
                *, store: str, when: str, width: int = 42) -> list[Op]:
    ops = header(store, (), "", False)
    ops.append(text("REFUND", bold=True, big=True, align="center"))
    ops.append(text(row(f"Refund {refund_code}", when, width)))
    if receipt_code:
        ops.append(text(f"For receipt {receipt_code}"))
    ops += [text(leg) for leg in legs]
    ops.append(text(row("REFUNDED", amount, width), bold=True))
    ops.append(text("Signature: ____________________"))
    return ops


def report(z: ZReport, *, store: str, width: int = 42, copy: bool = False) -> list[Op]:
    ops: list[Op] = []
    if copy:
        ops.append(text("*** COPY ***", bold=True, align="center"))
    ops.append(text(store, bold=True, align="center"))
    ops += [text(line) for chunk in report_lines(z, width) for line in chunk.split("\n")]
    return ops


def plain_text(ops: list[Op]) -> str:
    """The document as text (email body, the screen in training mode, tests)."""
    out: list[str] = []
    for op in ops:
        if op["t"] == "text":
            out.append(op["s"])
        elif op["t"] == "barcode":
            out.append(f"|||| {op['data']} ||||")
    return "\n".join(out)
