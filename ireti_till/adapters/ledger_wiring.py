"""The work done on the ledger thread right after the ledger opens (``prepare_ledger``,
handed to the opener by ``composition.ledger``), before any unit of work is used."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger


def prepare_ledger(config: AppConfig, demo_csv: Callable[[], Path | None] | None,
                   steps: Sequence[Callable[[Ledger], None]]) -> Callable[[Ledger], None]:
    """The trading day's repositories registered (``uow.shifts``, ``uow.prints``...), the
    receipt high-water mark applied (receipt numbers continue above any ever printed,
    after a restore), the catalog ``demo_csv()`` finds seeded into an empty catalog, then
    ``steps``."""

    def prepare(ledger: Ledger) -> None:
        from ireti_till.adapters.db.receipt_mark import ReceiptMark
        from ireti_till.adapters.trading_day_wiring import register_repositories

        register_repositories()
        ReceiptMark(ledger.path.parent).apply(ledger.engine)
        demo = demo_csv() if demo_csv is not None else None
        if demo is not None:
            ledger.seed_catalog_if_empty(demo, config.store)
        for step in steps:
            step(ledger)

    return prepare
