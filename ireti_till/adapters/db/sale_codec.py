"""The frozen sale of a tender in progress, as JSON (``tender_sales.sale_json``).

It holds lines, taxes and totals only; never card data (a card tender carries at most the
PaymentIntent id, brand and last four digits, which the ledger keeps anyway).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender


def _m(value: Money) -> int:
    return value.minor


def sale_to_json(sale: CompletedSale) -> str:
    doc: dict[str, Any] = {
        "sale_id": str(sale.sale_id), "till_id": sale.till_id, "receipt_no": sale.receipt_no,
        "cashier": sale.cashier, "started_at": sale.started_at.isoformat(),
        "completed_at": sale.completed_at.isoformat(), "currency": sale.currency,
        "subtotal": _m(sale.subtotal), "discount_total": _m(sale.discount_total),
        "tax_total": _m(sale.tax_total), "total": _m(sale.total), "change": _m(sale.change),
        "training": sale.training,
        "lines": [[ln.line_no, ln.sku, ln.gtin, ln.name, ln.quantity, _m(ln.unit_price),
                   _m(ln.list_price), _m(ln.discount), _m(ln.total), ln.tax_code, _m(ln.tax),
                   ln.override_reason, ln.voided] for ln in sale.lines],
        "taxes": [[t.tax_code, t.rate_text, _m(t.net), _m(t.tax), _m(t.gross)]
                  for t in sale.taxes],
        "tenders": [[t.kind, _m(t.amount), _m(t.tendered), _m(t.change), t.reference,
                     t.card_brand, t.card_last4] for t in sale.tenders],
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def sale_from_json(text: str) -> CompletedSale:
    d = json.loads(text)
    cur = d["currency"]

    def m(v: int) -> Money:
        return Money(v, cur)

    return CompletedSale(
        sale_id=UUID(d["sale_id"]), till_id=d["till_id"], receipt_no=d["receipt_no"],
        cashier=d["cashier"], started_at=datetime.fromisoformat(d["started_at"]),
        completed_at=datetime.fromisoformat(d["completed_at"]), currency=cur,
        lines=tuple(SaleLine(no, sku, gtin, name, qty, m(up), m(lp), m(disc), m(tot), code,
                             m(tax), reason, voided)
                    for no, sku, gtin, name, qty, up, lp, disc, tot, code, tax, reason, voided
                    in d["lines"]),
        taxes=tuple(TaxLine(code, rate, m(net), m(tax), m(gross))
                    for code, rate, net, tax, gross in d["taxes"]),
        tenders=tuple(Tender(kind, m(a), m(t), m(c), ref, brand, last4)
                      for kind, a, t, c, ref, brand, last4 in d["tenders"]),
        subtotal=m(d["subtotal"]), discount_total=m(d["discount_total"]),
        tax_total=m(d["tax_total"]), total=m(d["total"]), change=m(d["change"]),
        training=d["training"],
    )
