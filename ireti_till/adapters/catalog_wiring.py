"""The catalog import the File menu runs (on the import thread), on the ledger's unit of
work: ``importer`` (no sign-in: benchmarks, screen tests) and, with staff sign-in,
``audited_importer`` (issue 16): ``import_csv_audited`` as the signed-in person, the
products and the ``catalog_import`` audit entry committed together; an import nobody
signed in for is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till.adapters.config_file import AppConfig

if TYPE_CHECKING:
    from ireti_till.domain.staff import StaffMember
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.catalog_import import ImportResult

Progress = Callable[[int, int], None]


def importer(uow_factory: Callable[[], Any], config: AppConfig,
             ) -> Callable[[Path, Progress], ImportResult]:
    def run(path: Path, progress: Progress) -> ImportResult:
        from ireti_till.services.catalog_import import import_csv

        with path.open(encoding="utf-8-sig", newline="") as stream:
            return import_csv(uow_factory, stream, currency=config.store.currency,
                              tax_codes={r.code for r in config.store.tax_rates},
                              progress=progress)

    return run


def audited_importer(uow_factory: Callable[[], Any], config: AppConfig,
                     audit: Callable[[], AuditLog], current: Callable[[], StaffMember | None],
                     ) -> Callable[[Path, Progress], ImportResult]:
    def run(path: Path, progress: Progress) -> ImportResult:
        from ireti_till.services.catalog_import import CatalogImportRefused, import_csv_audited

        member = current()
        if member is None:
            raise CatalogImportRefused("Nobody is signed in: an administrator signs in to "
                                       "import the catalog.")
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return import_csv_audited(
                uow_factory, audit(), stream, actor=member, source=str(path),
                currency=config.store.currency,
                tax_codes={r.code for r in config.store.tax_rates}, progress=progress)

    return run
