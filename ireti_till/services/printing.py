"""The print queue: durable jobs (receipts, refund slips, X/Z, test pages, drawer kicks, email).

``enqueue`` commits the job row and returns at once; ``run_once`` (the worker's job, never
the UI thread) sends what is due, oldest first, and records the result by compare-and-set:
``pending -> printed``, or ``failed`` with the printer's reason and the attempt count. A
failed job stays due and prints when the printer is back, also after a restart. The first
failure stops the round, so receipts never come out of order. A drawer kick older than
``kick_max_age`` seconds is dropped instead of sent: a drawer must never spring open long
after the sale it was for.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable

from ireti_till.domain import print_doc
from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.domain.print_doc import Op, PrinterError, PrinterStatus
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.zreport import ZReport
from ireti_till.services.ports import Clock
from ireti_till.services.printing_ports import MailPort, PrinterPort, PrintJob, PrintUowFactory

log = logging.getLogger(__name__)

_RECEIPT = re.compile(r"^\s*(?:([A-Za-z0-9_-]{1,16})-)?0*([0-9]{1,9})\s*$")
_EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")


class PrintQueue:
    def __init__(self, uow: PrintUowFactory, clock: Clock, printer: PrinterPort | None, *,
                 till_id: str, store: str, address: tuple[str, ...] = (), tax_id: str = "",
                 footer: str = "", width: int = 42, mail: MailPort | None = None,
                 audit: object | None = None, kick_max_age: float = 12.0,
                 mark: Callable[[str, int], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.printer = printer
        self.mail = mail
        self.till_id = till_id
        self._store = (store, address, tax_id, footer)
        self.width = width
        self._audit = audit
        self.kick_max_age = kick_max_age
        self._mark_receipt = mark  # ReceiptMark.record: the number is now on paper
        self._lock = threading.Lock()
        self.wake: Callable[[], None] = lambda: None  # the worker sets this (run soon)

    # queueing ----------------------------------------------------------------------------
    def job(self, kind: str, ref: str, ops: list[Op], *, kick: bool = False,
            copy: bool = False, channel: str = "printer", target: str | None = None) -> PrintJob:
        """A new pending job, not yet stored: the checkout adds it with ``u.prints.add(job)``
        in the sale's own transaction (no extra commit), then calls ``wake()``."""
        now = self._clock.now()
        return PrintJob(str(uuid.uuid4()), kind, channel, ref, print_doc.dumps(ops), "pending",
                        0, now, now, copy=copy, kick=kick, target=target)

    def receipt_job(self, sale: CompletedSale, *, kick: bool = False) -> PrintJob:
        """The receipt job of ``sale`` for the checkout's transaction (see ``job``)."""
        self._note_number(sale)
        return self.job("receipt", sale.receipt_code, self._receipt_ops(sale), kick=kick)

    def _note_number(self, sale: CompletedSale) -> None:
        if self._mark_receipt is not None and not sale.training:
            self._mark_receipt(sale.till_id, sale.receipt_no)

    def enqueue(self, kind: str, ref: str, ops: list[Op], *, kick: bool = False,
                copy: bool = False, channel: str = "printer", target: str | None = None,
                audit: tuple[str, str, dict[str, object]] | None = None) -> PrintJob:
        job = self.job(kind, ref, ops, kick=kick, copy=copy, channel=channel, target=target)
        with self._uow() as u:
            u.prints.add(job)
            if audit is not None and self._audit is not None:
                self._audit.append(u.audit, *audit)  # type: ignore[attr-defined]
            u.commit()
        self.wake()
        return job

    def receipt(self, sale: CompletedSale, *, kick: bool = False) -> PrintJob:
        """The sale's receipt (``kick``: a cash tender opens the drawer with it)."""
        self._note_number(sale)
        return self.enqueue("receipt", sale.receipt_code, self._receipt_ops(sale), kick=kick)

    def email_receipt(self, sale: CompletedSale, address: str) -> PrintJob:
        address = address.strip()
        if not _EMAIL.match(address):
            raise InputError("That is not an email address: check it and try again",
                             code="IT-626")
        return self.enqueue("receipt", sale.receipt_code, self._receipt_ops(sale),
                            channel="email", target=address)

    def refund(self, refund_code: str, receipt_code: str | None, amount: str,
               legs: list[str], *, cash: bool) -> PrintJob:
        ops = print_doc.refund_slip(refund_code, receipt_code, amount, legs,
                                    store=self._store[0], width=self.width,
                                    when=self._clock.now().strftime("%Y-%m-%d %H:%M"))
        return self.enqueue("refund", refund_code, ops, kick=cash)

    def report(self, z: ZReport, *, copy: bool = False) -> PrintJob:
        ops = print_doc.report(z, store=self._store[0], width=self.width, copy=copy)
        return self.enqueue("z" if z.z_no else "x", f"Z{z.z_no}" if z.z_no else "X", ops,
                            copy=copy)

    def kick(self, reason: str) -> None:
        """``DrawerPort``: open the drawer (cash tender, cash refund, paid in/out, no sale)."""
        self.enqueue("drawer", reason[:64], [], kick=True)

    def test_print(self) -> PrintJob:
        ops = print_doc.header(self._store[0], self._store[1], "", False)
        ops += [print_doc.text("Printer test", bold=True, align="center"),
                print_doc.text("0123456789" * (self.width // 10)),
                print_doc.text("äöü ß é € £ ₦"), {"t": "barcode", "data": "TEST-000001"}]
        return self.enqueue("test", "test", ops)

    def reprint(self, text: str, actor: str) -> PrintJob:
        """Reprint an earlier receipt found by its number, marked COPY and audited."""
        m = _RECEIPT.match(text or "")
        if not m:
            raise InputError("Type a receipt number like T01-000123 or 123", code="IT-624")
        till, number = m.group(1) or self.till_id, int(m.group(2))
        with self._uow() as u:
            sale = u.sales.by_receipt(till, number)
        if sale is None:
            raise NotFoundError(f"No receipt {till}-{number:06d} on this till", code="IT-624")
        return self.enqueue("receipt", sale.receipt_code, self._receipt_ops(sale, copy=True),
                            copy=True, audit=("reprint", actor, {
                                "receipt": sale.receipt_code, "sale": str(sale.sale_id)}))

    def _receipt_ops(self, sale: CompletedSale, copy: bool = False) -> list[Op]:
        store, address, tax_id, footer = self._store
        return print_doc.receipt(sale, store=store, address=address, tax_id=tax_id,
                                 footer=footer, width=self.width, copy=copy)

    # reading -----------------------------------------------------------------------------
    def jobs(self, limit: int = 50) -> list[PrintJob]:
        with self._uow() as u:
            return u.prints.recent(limit)

    def status(self) -> PrinterStatus:
        """Ask the printer (worker thread only: this talks to the device)."""
        if self.printer is None:
            return PrinterStatus(online=False, detail="no printer set up")
        return self.printer.status()

    # sending (worker thread) -------------------------------------------------------------
    def run_once(self) -> int:
        """Send what is due; returns how many jobs were printed or sent."""
        with self._lock:
            return self._send("printer") + self._send("email")

    def _send(self, channel: str) -> int:
        sink = self.printer if channel == "printer" else self.mail
        if sink is None:
            return 0
        with self._uow() as u:
            due = u.prints.due(channel)
        done = 0
        for job in due:
            age = (self._clock.now() - job.created_at).total_seconds()
            if job.kind == "drawer" and age > self.kick_max_age:
                self._mark(job, "dropped", job.attempts, f"kick older than {age:.0f} s")
                continue
            try:
                if channel == "printer":
                    assert self.printer is not None
                    self.printer.print(print_doc.loads(job.document), kick=job.kick,
                                       cut=job.kind != "drawer")
                else:
                    assert self.mail is not None and job.target is not None
                    self.mail.send(job.target, f"{self._store[0]}: receipt {job.ref}",
                                   print_doc.plain_text(print_doc.loads(job.document)))
            except PrinterError as exc:
                log.warning("%s job %s (%s %s) failed: %s", channel, job.job_id, job.kind,
                            job.ref, exc)
                self._mark(job, "failed", job.attempts + 1, str(exc))
                break  # keep the order: nothing after it goes first
            self._mark(job, "printed", job.attempts + 1, None)
            done += 1
        return done

    def _mark(self, job: PrintJob, state: str, attempts: int, error: str | None) -> None:
        with self._uow() as u:
            if u.prints.mark(job.job_id, job.state, state, attempts=attempts, error=error,
                             at=self._clock.now()):
                u.commit()
