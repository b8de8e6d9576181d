"""The ledger phase: the opener (``adapters.db.opener``) with the composition's import
retry, and what runs on the ledger thread right after opening."""

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


def prepare_ledger(config: AppConfig, training: bool, seed_demo: bool = True,
                   then: Callable[[Ledger], None] | None = None) -> Callable[[Ledger], None]:
    """``adapters.ledger_wiring.prepare_ledger`` with the demo catalog on a first training
    start, ``tricks.warm_catalog``, then ``then`` (the staff context, ``StaffPrep``)."""
    from ireti_till.adapters.ledger_wiring import prepare_ledger as prepare

    return prepare(config, _demo_catalog if training and seed_demo else None,
                   [warm_catalog, *([then] if then is not None else [])])


def _demo_catalog() -> Path | None:  # on the ledger thread
    from ireti_till.ui.application import resources_dir

    found = sorted((resources_dir() / "catalog").glob("*.csv"))
    return found[0] if found else None
