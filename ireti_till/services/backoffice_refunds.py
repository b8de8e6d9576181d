"""Cross-till refunds through the back office (online only).

The refund screen calls, in this order:

1. ``find(till=..., receipt_no=...)`` (or ``sale_id=``) when the receipt is not in this
   till's ledger: the sale as the server holds it, with what is still refundable per line.
2. ``reserve(refund_id, sale_id, {line_no: quantity}, {tender_seq: amount_minor})``
   *before* committing the local refund: the server refuses (IT-711) if another till reserved
   or refunded the same units, or more than is left on a payment. Retrying with the same
   ``refund_id`` is safe.
3. ``confirm(refund_id)`` after the local refund is committed, or ``release(refund_id)`` if it
   was abandoned, so the units become refundable again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ireti_till.domain.errors import BackofficeError
from ireti_till.services.backoffice_ports import BackofficeApi

OFFLINE = ("IT-700", "IT-706", "IT-709")


@dataclass(frozen=True, slots=True)
class RemoteLine:
    line_no: int
    sku: str
    name: str
    quantity: int
    refundable: int
    total_minor: int


@dataclass(frozen=True, slots=True)
class RemoteTender:
    seq: int
    kind: str
    amount_minor: int
    refundable_minor: int
    reference: str | None
    card_brand: str | None
    card_last4: str | None


@dataclass(frozen=True, slots=True)
class RemoteSale:
    till_id: str
    sale_id: str
    receipt_no: int
    currency: str
    total_minor: int
    completed_at: str
    lines: tuple[RemoteLine, ...]
    tenders: tuple[RemoteTender, ...]


class CrossTillRefunds:
    def __init__(self, api: Callable[[], BackofficeApi | None]) -> None:
        self._api = api

    def _call(self, fn: Callable[[BackofficeApi], Any]) -> Any:
        api = self._api()
        if api is None:
            raise BackofficeError("Refunding a sale from another till needs the back office, "
                                  "and this till is not enrolled.", code="IT-712")
        try:
            return fn(api)
        except BackofficeError as exc:
            if exc.code in OFFLINE:
                raise BackofficeError(
                    "The back office cannot be reached, so a sale from another till cannot be "
                    "refunded now. Refund it on the till that sold it, or try again later.",
                    code="IT-712") from exc
            raise

    def find(self, *, sale_id: str | None = None, till: str | None = None,
             receipt_no: int | None = None) -> RemoteSale:
        query = ({"sale_id": sale_id} if sale_id else
                 {"till": till or "", "receipt_no": str(receipt_no or "")})
        data = self._call(lambda api: api.find_sale(**query))
        sale = data["sale"]
        return RemoteSale(
            till_id=str(data["till_id"]), sale_id=str(sale["id"]),
            receipt_no=int(sale["receipt_no"]), currency=str(sale["currency"]),
            total_minor=int(sale["total_minor"]), completed_at=str(sale["completed_at"]),
            lines=tuple(RemoteLine(int(ln["line_no"]), str(ln["sku"]), str(ln["name"]),
                                   int(ln["quantity"]), int(ln["refundable"]),
                                   int(ln["total_minor"])) for ln in data["lines"]),
            tenders=tuple(RemoteTender(
                int(t["seq"]), str(t["kind"]), int(t["amount_minor"]),
                int(t["refundable_minor"]), t.get("reference"), t.get("card_brand"),
                t.get("card_last4")) for t in data["tenders"]))

    def reserve(self, refund_id: UUID, sale_id: str, lines: dict[int, int],
                legs: dict[int, int] | None = None) -> None:
        self._call(lambda api: api.reserve(str(refund_id), sale_id, lines, legs))

    def confirm(self, refund_id: UUID) -> None:
        self._call(lambda api: api.settle(str(refund_id), "confirmed"))

    def release(self, refund_id: UUID) -> None:
        self._call(lambda api: api.settle(str(refund_id), "released"))
