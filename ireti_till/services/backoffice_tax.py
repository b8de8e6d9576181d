"""Tax rates from the back office, applied at sale time (issue 14).

The catalog pull keeps the store's rates the server sent in the ledger's ``bo_state``
(``catalog_tax_rates``: ``{"S": "21%", ...}``). ``TaxRateBook.settings_for(config)`` gives the
sale's pricing the store settings with those rates: a server rate replaces the config rate of
the same tax code, a code only the server knows is added, and every other code keeps its
config rate (the fallback, also while the till was never enrolled or the ledger cannot be
read). The stored text is read at most every ``max_age_s`` (a primary-key read) and parsed only
when it changed, so a scan costs no more than before.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from ireti_till.domain.catalog import TaxRate
from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.settings import StoreSettings

log = logging.getLogger(__name__)
TAX_RATES = "catalog_tax_rates"  # the bo_state row the catalog pull keeps them in
_RATE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,4})?)\s*%?\s*$")
_CODE = re.compile(r"^[A-Z0-9]{1,8}$")


def parse_rate_text(code: str, text: str) -> Decimal:
    """``"20"``/``"20%"``/``"5.5 %"`` -> ``Decimal("0.20")``...; IT-741 if it is not a rate
    between 0 and 100 % or the code is not 1-8 capital letters or digits."""
    m = _RATE.match(str(text))
    if not _CODE.match(str(code)) or m is None or Decimal(m.group(1)) > 100:
        raise BackofficeError(f"Tax rate {str(code)[:8]!r} = {str(text)[:16]!r} is not a rate: "
                              "write it like 20% or 5.5% (0 to 100) for a code of 1-8 capital "
                              "letters or digits.", code="IT-741")
    return Decimal(m.group(1)) / 100


def parse_rates(raw: str | None) -> dict[str, Decimal]:
    """The rates kept by the catalog pull (``{code: text}`` JSON); bad entries are dropped
    (logged) so their code falls back to the config rate."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        log.warning("stored back-office tax rates are not JSON; using the config rates")
        return {}
    out: dict[str, Decimal] = {}
    for code, text in (data.items() if isinstance(data, dict) else ()):
        try:
            out[code] = parse_rate_text(code, text)
        except BackofficeError:
            log.warning("back-office tax rate for %r ignored (IT-741)", str(code)[:8])
    return out


def merged(settings: StoreSettings, rates: dict[str, Decimal]) -> StoreSettings:
    """``settings`` with ``rates`` applied (server wins per code; config is the fallback)."""
    if not rates:
        return settings
    known = {r.code for r in settings.tax_rates}
    out = tuple(replace(r, rate=rates[r.code]) if r.code in rates else r
                for r in settings.tax_rates)
    out += tuple(TaxRate(code, code, rate) for code, rate in sorted(rates.items())
                 if code not in known)
    return replace(settings, tax_rates=out)


class TaxRateBook:
    def __init__(self, load: Callable[[], str | None], *, max_age_s: float = 2.0) -> None:
        """``load()`` returns the stored rates text (None when there are none or the ledger
        is not open yet); it must not wait for the ledger to open."""
        self._load = load
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._raw: str | None = None
        self._rates: dict[str, Decimal] = {}

    def rates(self) -> dict[str, Decimal]:
        now = time.monotonic()
        with self._lock:
            if self._read_at is not None and now - self._read_at < self.max_age_s:
                return self._rates
            self._read_at = now
            try:
                raw = self._load()
            except Exception:  # the ledger is busy or closing: keep what was read last
                log.warning("back-office tax rates could not be read; keeping the last ones",
                            exc_info=True)
                return self._rates
            if raw != self._raw:
                self._raw, self._rates = raw, parse_rates(raw)
            return self._rates

    def settings_for(self, settings: StoreSettings) -> StoreSettings:
        return merged(settings, self.rates())
