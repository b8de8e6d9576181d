"""Till > Import catalog… with staff sign-in (issue 16): administrators only, audited.

``wire_catalog_import(window, opener, config, staff)`` (from ``compose()`` once the staff
phase is wired) swaps the window's importer for ``import_csv_audited`` as the signed-in
person (the products and the ``catalog_import`` audit entry commit together) and enables
the menu item and Ctrl+I for administrators only; anyone else gets IT-570 from the service
if the action is reached some other way. Without sign-in (benchmarks, screen tests) the
plain importer stays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig

if TYPE_CHECKING:
    from ireti_till.composition.ledger import LedgerOpener
    from ireti_till.services.catalog_import import ImportResult
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

ADMINS_ONLY = "Import catalog: administrators only (IT-570). Ask an administrator to sign in."


def audited_importer(opener: LedgerOpener, config: AppConfig, staff: StaffUi
                     ) -> Callable[[Path, Callable[[int, int], None]], ImportResult]:
    """The import the menu runs (on the import thread), as the signed-in person."""

    def run(path: Path, progress: Callable[[int, int], None]) -> ImportResult:
        from ireti_till.services.catalog_import import CatalogImportRefused, import_csv_audited

        member = staff.current
        if member is None:
            raise CatalogImportRefused("Nobody is signed in: an administrator signs in to "
                                       "import the catalog.")
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return import_csv_audited(
                opener.uow_factory, staff.services.audit.get(), stream, actor=member,
                source=str(path), currency=config.store.currency,
                tax_codes={r.code for r in config.store.tax_rates}, progress=progress)

    return run


def wire_catalog_import(window: MainWindow, opener: LedgerOpener, config: AppConfig,
                        staff: StaffUi) -> None:
    from ireti_till.domain.staff import Role

    window.import_task.set_importer(audited_importer(opener, config, staff))
    action = window.import_action

    def follow_role(_role: object = None) -> None:
        role = staff.role()
        admin = role is not None and role.at_least(Role.ADMIN)
        action.setEnabled(admin)
        action.setToolTip("Import products and prices from a CSV file" if admin
                          else ADMINS_ONLY)

    staff.role_changed.append(follow_role)
    follow_role()
