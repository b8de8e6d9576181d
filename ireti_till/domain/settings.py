"""Store settings the domain needs (validated and loaded by the config adapter)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ireti_till.domain.catalog import TaxRate


@dataclass(frozen=True, slots=True)
class StoreSettings:
    store_name: str
    currency: str
    till_id: str
    prices_include_tax: bool
    tax_rates: tuple[TaxRate, ...]
    address_lines: tuple[str, ...] = ()
    tax_id: str = ""  # VAT / tax registration number printed on receipts
    receipt_footer: str = "Thank you for shopping with us"
    timezone: str = ""  # IANA zone of the shop (the day's limits reset at its midnight)
    max_basket_lines: int = 500  # lines one sale may have (Basket.max_lines)
    extra: dict[str, str] = field(default_factory=dict)

    def tax_rate(self, code: str) -> TaxRate:
        for rate in self.tax_rates:
            if rate.code == code:
                return rate
        raise KeyError(code)
