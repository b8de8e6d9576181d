"""The sale screen's ``TaxRateBook`` (issue 14): the back office's tax rates once the ledger
is open, the config's until then. Nothing here imports SQLAlchemy before the first read (the
first screen is built before it is loaded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ireti_till.services.backoffice_tax import TaxRateBook

if TYPE_CHECKING:
    from ireti_till.adapters.db.opener import LedgerOpener


def tax_book_for(opener: LedgerOpener) -> TaxRateBook:
    def load() -> str | None:
        if not opener.ident or opener.is_alive():
            return None  # still opening (or not started): never wait for it on a scan
        from ireti_till.adapters.backoffice_feed import stored_tax_rates

        return stored_tax_rates(lambda: opener.result().engine)()

    return TaxRateBook(load)
