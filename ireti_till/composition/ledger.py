"""The ledger phase: the opener (``adapters.db.opener``) with the composition's import
retry, and the work done on the ledger thread right after opening."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.db import opener
from ireti_till.composition.tricks import retry_import_on_main, warm_catalog

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger


class LedgerOpener(opener.LedgerOpener):
    """``adapters.db.opener.LedgerOpener`` with the import-race retry (``tricks`` 2)."""

    def __init__(self, data_dir: Path, prepare: Callable[[Ledger], None] | None = None, *,
                 fast: bool = False, need_catalog: bool = False) -> None:
        super().__init__(data_dir, prepare, fast=fast, need_catalog=need_catalog,
                         retry=retry_import_on_main)


def _demo_catalog() -> Path | None:
    from ireti_till.ui.application import resources_dir

    found = sorted((resources_dir() / "catalog").glob("*.csv"))
    return found[0] if found else None


def prepare_ledger(config: AppConfig, training: bool, seed_demo: bool = True,
                   then: Callable[[Ledger], None] | None = None) -> Callable[[Ledger], None]:
    """Work on the ledger thread right after opening: the receipt high-water mark, the demo
    catalog on a first training start, ``tricks.warm_catalog``, then ``then`` (the staff
    context, ``StaffPrep``)."""

    def prepare(ledger: Ledger) -> None:
        from ireti_till.adapters.db.receipt_mark import ReceiptMark
        from ireti_till.adapters.trading_day_wiring import register_repositories

        register_repositories()  # uow.shifts, uow.prints...: before any unit of work uses them
        # Before any sale: receipt numbers continue above any ever printed (after a restore)
        ReceiptMark(ledger.path.parent).apply(ledger.engine)
        demo = _demo_catalog()
        if training and seed_demo and demo is not None:
            ledger.seed_catalog_if_empty(demo, config.store)
        warm_catalog(ledger)
        if then is not None:
            then(ledger)

    return prepare
