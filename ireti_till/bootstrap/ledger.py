"""Opening the ledger on a helper thread while Qt starts (used by ``ireti_till.app``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.uow import SqlUnitOfWork

log = logging.getLogger("ireti_till.app")


def resources_dir() -> Path:
    from ireti_till.ui.application import resources_dir as find

    return find()


def _demo_catalog(resources: Path) -> Path | None:
    found = sorted((resources / "catalog").glob("*.csv"))
    return found[0] if found else None


def importer(opener: LedgerOpener, config: AppConfig) -> Callable[..., object]:
    def run(path: Path, progress: Callable[[int, int], None]) -> object:
        from ireti_till.services.catalog_import import import_csv

        with path.open(encoding="utf-8-sig", newline="") as stream:
            return import_csv(opener.uow_factory, stream, currency=config.store.currency,
                              tax_codes={r.code for r in config.store.tax_rates},
                              progress=progress)

    return run


class LedgerOpener(threading.Thread):
    """Opens the ledger (import, quick_check, backup, migrations) on a helper thread."""

    def __init__(self, data_dir: Path,
                 prepare: Callable[[Ledger], None] | None = None) -> None:
        super().__init__(name="open-ledger", daemon=True)
        self.data_dir = data_dir
        self._prepare = prepare
        #: the file passed ``quick_check`` in this process's pre-flight (skip a second one)
        self.checked = False
        self._ledger: Ledger | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            from ireti_till.adapters.db.ledger import open_ledger

            ledger = open_ledger(self.data_dir, checked=self.checked)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            self._error = exc
            return
        try:
            if self._prepare is not None:
                self._prepare(ledger)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            ledger.close()
            self._error = exc
            return
        self._ledger = ledger

    def result(self) -> Ledger:
        if self.ident is not None:  # started as a thread (else run() was called inline)
            self.join()
        if isinstance(self._error, ImportError):
            # Imports racing between two threads can fail spuriously in CPython (seen with
            # importlib.resources): open the ledger again here, on the main thread.
            log.warning("ledger import on the helper thread failed (%s); retrying", self._error)
            self._error = None
            self.run()
        if self._error is not None:
            raise self._error
        assert self._ledger is not None
        return self._ledger

    def uow_factory(self) -> SqlUnitOfWork:
        """The ledger's unit-of-work factory; waits for the ledger if it is still opening.

        Lets the service and window be built while the ledger opens; build_till() waits
        for the ledger before the window is shown, so no scan ever waits here."""
        return self.result().uow_factory()

    def discard(self) -> None:
        """Close the ledger if it opened (the main thread failed first)."""
        if self.ident is not None:
            self.join()
        if self._ledger is not None:
            self._ledger.close()


def prepare_ledger(config: AppConfig, training: bool, seed_demo: bool = True,
                   then: Callable[[Ledger], None] | None = None) -> Callable[[Ledger], None]:
    """Work done on the ledger thread right after opening: the demo catalog on a first
    training start, then one catalog lookup so the first real scan finds the SQL compiled
    and the mappers configured, then ``then`` (the staff context, see ``StaffPrep``)."""

    def prepare(ledger: Ledger) -> None:
        demo = _demo_catalog(resources_dir())
        if training and seed_demo and demo is not None:
            ledger.seed_catalog_if_empty(demo, config.store)
        with ledger.read_uow() as uow:
            uow.catalog.by_gtin("0000000000000")
        if then is not None:
            then(ledger)

    return prepare
