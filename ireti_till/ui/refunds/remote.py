"""The refund screen's branch for a sale rung on another till (issue 14).

A receipt code of another till typed at F8 is asked of the back office on a worker thread
(``ui/tasks.Task``); the screen says so meanwhile. Offline or not enrolled, the dialog shows
IT-714 and nothing else happens. Found, the sale is shown in the same line/quantity picker as
a local sale, marked "Rung on till T01", and the dialog works through the refund service
*over* that sale (``RemoteSaleRefunds.service``): quotes, the matrix and the supervisor PIN
are those of a local refund. Confirming runs ``RemoteSaleRefunds.refund`` on a worker thread
(record, reserve, refund, confirm); a refusal (IT-711 already refunded elsewhere, IT-716 no
answer) is shown and nothing was paid out; success shows the refund receipt as for any refund.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ireti_till.domain.errors import TillError
from ireti_till.domain.overrides import Approval
from ireti_till.services.refund_ports import RefundRecord
from ireti_till.services.refund_remote import RemoteRefunds, RemoteSaleRefunds
from ireti_till.services.refunds import RefundRequest, RefundService
from ireti_till.ui.refunds import texts
from ireti_till.ui.tasks import Task

if TYPE_CHECKING:
    from ireti_till.ui.refunds.dialog import RefundDialog

log = logging.getLogger("ireti_till.ui")


class RemoteBranch(QObject):
    def __init__(self, dialog: RefundDialog, remote: RemoteRefunds) -> None:
        super().__init__(dialog)
        self.dialog, self.remote = dialog, remote
        self.local: RefundService = dialog.service
        self.sale: RemoteSaleRefunds | None = None
        self.finding: Task[RemoteSaleRefunds] = Task(
            self, self._found, self._failed, what="finding a sale of another till")
        self.committing: Task[RefundRecord] = Task(
            self, self._committed, self._failed, what="a cross-till refund",
            when_busy="refuse")

    # ---- finding ----------------------------------------------------------------------
    def find(self, code: str) -> bool:
        """True when ``code`` is another till's receipt (then it is being asked for)."""
        self.leave()
        if not self.remote.claims(code):
            return False
        d = self.dialog
        d.clear_error()
        d.view, d.chosen = None, {}
        d.lines.setRowCount(0)
        d.payments.setRowCount(0)
        d.summary.setText(texts.ASKING.format(code=code.strip().upper()))
        self.finding.start(lambda: self._lookup(code))
        return True

    def _lookup(self, code: str) -> RemoteSaleRefunds:  # worker thread
        found = self.remote.find(code)
        found.view()  # read once here: the screen then only re-reads the local ledger
        return found

    def _found(self, found: RemoteSaleRefunds) -> None:
        d = self.dialog
        self.sale = found
        d.service = found.service
        d.show_sale(found.view())
        d.summary.setText(texts.RUNG_ON.format(till=found.origin) + d.summary.text())
        d.lines.setFocus()
        log.info("refund: sale %s of till %s found through the back office",
                 found.receipt_code, found.origin)

    def _failed(self, error: TillError) -> None:
        d = self.dialog
        d.confirm_button.setEnabled(True)
        if self.sale is None:
            d.summary.setText("No sale chosen yet")
        elif d.view is not None:
            d.update_quote()  # not "Reserving...": what Enter would refund now
        d.show_error(error)
        log.info("cross-till refund refused: %s", error.code)
        if self.sale is None:
            d.code.selectAll()
            d.code.setFocus()

    def leave(self) -> None:
        """Back to this till's own sales."""
        self.sale = None
        self.dialog.service = self.local

    # ---- committing -------------------------------------------------------------------
    def commit(self, request: RefundRequest, reason: str, approval: Approval | None) -> bool:
        """True when the refund is under way here: a sale of another till, or one of this
        till's by items or amount (reserved on the back office too); False: the dialog
        refunds it (no receipt)."""
        sale, d, member = self.sale, self.dialog, self.dialog.requester
        if request.sale_id is None or d.view is None:
            return False
        if sale is not None:
            work = partial(sale.refund, request, reason, member, approval)
        elif request.lines or request.amount:  # this till's sale: reserved too, so no
            # other till refunds the same units or money
            work = partial(self.remote.own, request, reason, member, approval)
        else:
            return False
        if self.committing.start(work):
            d.confirm_button.setEnabled(False)
            d.quote_label.setText(texts.REMOTE_BUSY)
        return True

    def _committed(self, record: RefundRecord) -> None:
        d = self.dialog
        d.confirm_button.setEnabled(True)
        log.info("refund %s committed (other till's sale, %d legs)", record.code,
                 len(record.legs))
        d.show_record(record)
