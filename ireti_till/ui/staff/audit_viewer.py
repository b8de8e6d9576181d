"""The audit viewer: filter by user, kind and date; export CSV; verify the chain.

    viewer = AuditViewer(audit_log, staff_service, actor=session.current)

Newest entries first (up to 1000 per search). Export asks for a file name in a file dialog
opened with ``open()`` (no nested event loop; ``export_to`` writes) and is itself audited.
Viewing needs a supervisor, exporting an admin (checked here and by the caller's menu).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import TillError
from ireti_till.domain.staff import Permission, StaffMember, has_permission, require_permission
from ireti_till.services.audit import AuditLog, describe
from ireti_till.services.staff import StaffService
from ireti_till.services.staff_ports import AuditFilter
from ireti_till.ui.dialogs.asks import ask_save_path
from ireti_till.ui.theme import name, set_role

COLUMNS = ("#", "When (UTC)", "Kind", "Who", "Details")


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AuditViewer(QWidget):
    def __init__(self, audit: AuditLog, staff: StaffService, actor: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        require_permission(actor.role, Permission.VIEW_AUDIT)
        name(self, "audit_viewer")
        self._audit, self._actor = audit, actor
        self._names = {m.user_id: m.name for m in staff.users()}
        self.user = QComboBox(self)
        name(self.user, "audit_user", "Filter by person")
        self.user.addItem("Everyone", None)
        self.user.addItem("System", "system")
        for user_id, person in sorted(self._names.items(), key=lambda kv: kv[1]):
            self.user.addItem(person, user_id)
        self.kind = QComboBox(self)
        name(self.kind, "audit_kind", "Filter by kind")
        self.kind.addItem("All kinds", None)
        for kind in audit.kinds():
            self.kind.addItem(kind, kind)
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-30), self)
        name(self.since, "audit_since", "From (inclusive)")
        self.until = QDateEdit(today, self)
        name(self.until, "audit_until", "To (inclusive)")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        filters = QHBoxLayout()
        for w in (self.user, self.kind, self.since, self.until):
            filters.addWidget(w)
        self.table = QTableWidget(0, len(COLUMNS), self)
        name(self.table, "audit_table", "Audit entries, newest first")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel("", self)
        name(self.status, "audit_status")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for key, text, slot in (("search", "Search", self.search),
                                ("export", "Export CSV", self.export),
                                ("verify", "Verify chain", self.verify)):
            button = QPushButton(text, self)
            name(button, f"audit_{key}")
            button.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(button)
            if key == "export":
                button.setEnabled(has_permission(actor.role, Permission.EXPORT_AUDIT))
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.search()

    def current_filter(self) -> AuditFilter:
        since = datetime.combine(_day(self.since.date()), time(), tzinfo=UTC)
        until = datetime.combine(_day(self.until.date()), time(), tzinfo=UTC)
        return AuditFilter(actor=self.user.currentData(), kind=self.kind.currentData(),
                           since=since, until=until + timedelta(days=1))

    def search(self) -> None:
        entries = self._audit.search(self.current_filter())
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            cells = (str(e.seq), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind,
                     self._names.get(e.actor, e.actor), describe(e))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        set_role(self.status, "muted")
        self.status.setText(f"{len(entries)} entries")

    def export(self) -> None:
        """Ask where (the file dialog opens with ``open()``, no nested event loop), then
        ``export_to`` the chosen file."""
        try:
            require_permission(self._actor.role, Permission.EXPORT_AUDIT)
        except TillError as exc:
            set_role(self.status, "dialog-error")
            self.status.setText(f"Export failed: {exc}")
            return
        ask_save_path(self, "Export the audit log", "audit.csv", "CSV files (*.csv)",
                      self.export_to)

    def export_to(self, path: Path) -> None:
        try:
            require_permission(self._actor.role, Permission.EXPORT_AUDIT)
            with path.open("w", encoding="utf-8", newline="") as stream:
                count = self._audit.export_csv(stream, self.current_filter(),
                                               self._actor.user_id)
        except (TillError, OSError) as exc:
            set_role(self.status, "dialog-error")
            self.status.setText(f"Export failed: {exc}")
            return
        set_role(self.status, "muted")
        self.status.setText(f"{count} entries exported to {path}")

    def verify(self) -> None:
        result = self._audit.verify()
        set_role(self.status, "muted" if result.ok else "dialog-error")
        self.status.setText(result.describe())
