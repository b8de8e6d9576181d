"""An X or Z report on screen: the same fixed-width lines the printer gets, with Print."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ireti_till.domain.zreport import ZReport, report_lines
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.printing.receipt_image import mono_font
from ireti_till.ui.theme import name


class ReportDialog(TillDialog):
    def __init__(self, report: ZReport, print_report: Callable[[ZReport], object] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("report_dialog", report.title.title(), parent)
        self.report = report
        self.text = QPlainTextEdit(self)
        name(self.text, "report_text", f"{report.title} of till {report.till_id}")
        self.text.setReadOnly(True)
        self.text.setFont(mono_font(15))
        self.text.setPlainText("\n".join(
            line for chunk in report_lines(report, 44) for line in chunk.split("\n")))
        self.text.setMinimumSize(500, 740)
        self.body.addWidget(self.text)
        self.printed = False
        if print_report is not None:
            def do_print() -> None:
                if self.attempt(lambda: [print_report(report)]) is not None:
                    self.printed = True
                    self.title.setText(f"{report.title.title()} — sent to the printer")
            self.add_button("report_print", "Print\nCtrl+P", "primary", do_print)
        self.add_button("report_close", "Close\nEsc", slot=self.accept)
