"""Printer settings (admin): choose the printer, test print, see its status and the jobs.

Everything that talks to the printer (status, the test page) runs on a pool thread through
the background task helper (``ui/tasks.py``): the screen never waits for a printer that does
not answer. The screen
takes plain callables, so it never sees an adapter: ``apply(table)`` checks and stores the
``[printer]`` settings (raising IT-623 for an address that cannot be one), ``status()``
asks the printer, ``test_print()`` queues a test page, ``jobs()`` lists recent jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ireti_till.domain.errors import TillError
from ireti_till.domain.print_doc import PrinterStatus
from ireti_till.services.printing_ports import PrintJob
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.tasks import Task
from ireti_till.ui.theme import name

KINDS = ("network", "usb", "serial", "virtual", "none")


class PrinterAdminDialog(TillDialog):
    def __init__(self, *, current: dict[str, Any], apply: Callable[[dict[str, Any]], object],
                 status: Callable[[], PrinterStatus], test_print: Callable[[], PrintJob],
                 jobs: Callable[[], list[PrintJob]], parent: QWidget | None = None) -> None:
        super().__init__("printer_admin", "Receipt printer", parent)
        self._apply, self._status, self._test, self._jobs = apply, status, test_print, jobs
        form = QFormLayout()
        self.kind = QComboBox(self)
        name(self.kind, "printer_kind", "How the printer is connected")
        self.kind.addItems(KINDS)
        self.kind.setCurrentText(current.get("kind", "none"))
        self.host = self._field("printer_host", "Printer address (IP or name)",
                                current.get("host", ""))
        self.port = self._field("printer_port", "TCP port (most printers: 9100)",
                                str(current.get("port", 9100)))
        self.usb = self._field("printer_usb", "USB vendor:product, e.g. 04b8:0202",
                               current.get("usb", ""))
        self.serial = self._field("printer_serial", "Serial device, e.g. /dev/ttyUSB0",
                                  current.get("serial", ""))
        self.paper = QComboBox(self)
        name(self.paper, "printer_paper", "Paper width")
        self.paper.addItems(["80 mm", "58 mm"])
        self.paper.setCurrentText(f"{current.get('paper_mm', 80)} mm")
        for label, widget in (("Connection", self.kind), ("Address", self.host),
                              ("Port", self.port), ("USB", self.usb), ("Serial", self.serial),
                              ("Paper", self.paper)):
            form.addRow(label, widget)
        self.body.addLayout(form)
        self.state = QLineEdit("checking…", self)
        name(self.state, "printer_state", "Printer status")
        self.state.setReadOnly(True)
        form.addRow("Status", self.state)
        self.table = QTableWidget(0, 4, self)
        name(self.table, "print_jobs", "Recent print jobs")
        self.table.setHorizontalHeaderLabels(["Job", "For", "State", "Reason"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(180)
        self.body.addWidget(self.table)
        self.add_button("printer_close", "Close\nEsc", slot=self.accept)
        self.add_button("printer_refresh", "Refresh\nF5", slot=self.refresh)
        self.add_button("printer_test", "Save and test print\nCtrl+T", "primary",
                        self.save_and_test)
        self._call: Task[object] = Task(self, self._show_status, self.show_error,
                                        what="the printer check")
        self.refresh()

    def _field(self, object_name: str, description: str, value: str) -> QLineEdit:
        field = QLineEdit(value, self)
        name(field, object_name, description)
        field.setMinimumHeight(40)
        return field

    def table_values(self) -> dict[str, Any]:
        port = self.port.text().strip()
        return {"kind": self.kind.currentText(), "host": self.host.text().strip(),
                "port": int(port) if port.isdigit() else -1, "usb": self.usb.text().strip(),
                "serial": self.serial.text().strip(),
                "paper_mm": int(self.paper.currentText().split()[0])}

    def save_and_test(self) -> None:
        try:
            self._apply(self.table_values())
        except TillError as exc:
            self.show_error(exc)
            return
        self.attempt(self._test)
        self.refresh()

    def refresh(self) -> None:
        self.state.setText("checking…")
        self._fill_jobs()
        self._call.start(self._status)

    def _show_status(self, status: object) -> None:
        if isinstance(status, PrinterStatus):
            extra = f" ({status.detail})" if status.detail else ""
            self.state.setText(status.label + extra)
        self._fill_jobs()

    def _fill_jobs(self) -> None:
        jobs = self.attempt(self._jobs) or []
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            label = job.kind + (" (copy)" if job.copy else "")
            for col, value in enumerate((label, job.ref, job.state, job.last_error or "")):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()


class ReprintDialog(TillDialog):
    """Reprint any earlier receipt by its number; the copy says COPY and is audited."""

    def __init__(self, reprint: Callable[[str], PrintJob],
                 parent: QWidget | None = None) -> None:
        super().__init__("reprint_dialog", "Reprint a receipt", parent)
        self._reprint = reprint
        self.number = QLineEdit(self)
        name(self.number, "reprint_number", "Receipt number, e.g. T01-000123 or 123")
        self.number.setPlaceholderText("T01-000123 or 123 (or scan the receipt)")
        self.number.setMinimumHeight(44)
        self.number.returnPressed.connect(self._go)
        self.body.addWidget(self.number)
        self.add_cancel_button()
        self.add_button("reprint_ok", "Reprint (COPY)\nEnter", "primary", self._go)
        self.job: PrintJob | None = None
        self.number.setFocus()

    def _go(self) -> None:
        job = self.attempt(lambda: self._reprint(self.number.text()))
        if job is not None:
            self.job = job
            self.accept()
