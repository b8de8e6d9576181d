"""Till > Import catalog… with staff sign-in (issue 16): the menu item and Ctrl+I are for
administrators only (``composition.compose`` calls this with the audited importer);
anyone else gets IT-570 from the service if the action is reached some other way."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.ui.catalog_import_task import CatalogImporter
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

ADMINS_ONLY = "Import catalog: administrators only (IT-570). Ask an administrator to sign in."


def admins_import(window: MainWindow, staff: StaffUi, importer: CatalogImporter) -> None:
    from ireti_till.domain.staff import Role

    window.import_task.set_importer(importer)
    action = window.import_action

    def follow_role(_role: object = None) -> None:
        role = staff.role()
        admin = role is not None and role.at_least(Role.ADMIN)
        action.setEnabled(admin)
        action.setToolTip("Import products and prices from a CSV file" if admin
                          else ADMINS_ONLY)

    staff.role_changed.append(follow_role)
    follow_role()
