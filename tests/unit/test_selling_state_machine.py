"""Random cashier sessions against SaleService: whatever is typed, nothing is lost.

Invariants after every step: a rejected action leaves the basket exactly as it was;
the open basket's figures add up; committed sales have gap-free receipt numbers and
totals that add up; a failed commit stores nothing and keeps the basket.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from tests.fakes import demo_products, make_sale_service, make_settings

PRODUCTS = demo_products("EUR")
SCANS = st.one_of(
    st.sampled_from([p.gtin or "" for p in PRODUCTS]),
    st.sampled_from([p.sku for p in PRODUCTS]),
    st.builds(lambda q, g: f"{q}*{g}", st.integers(-2, 12_000), st.sampled_from(
        [p.gtin or "" for p in PRODUCTS])),
    st.text(max_size=60),
)
MONEY = st.builds(lambda m: Money(m, "EUR"), st.integers(-100, 50_000))


class CashierSession(RuleBasedStateMachine):
    inclusive = True

    def __init__(self) -> None:
        super().__init__()
        self.service, self.factory, self.clock = make_sale_service(
            settings=make_settings(prices_include_tax=self.inclusive))
        self.expected_sales = 0

    def attempt(self, action, *args, **kwargs) -> bool:
        before = self.service.view()
        try:
            action(*args, **kwargs)
        except TillError as exc:
            assert exc.code.startswith("IT-")
            assert self.service.view() == before  # nothing lost, nothing half-done
            return False
        return True

    @rule(raw=SCANS)
    def scan(self, raw: str) -> None:
        self.attempt(self.service.scan, raw)

    @rule(product=st.sampled_from(PRODUCTS), qty=st.integers(1, 5))
    def scan_known(self, product, qty: int) -> None:
        assert self.attempt(self.service.scan, product.gtin or "", qty)

    @rule(line=st.integers(0, 15), qty=st.integers(-1, 10_001))
    def set_quantity(self, line: int, qty: int) -> None:
        self.attempt(self.service.set_quantity, line, qty)

    @rule(line=st.integers(0, 15))
    def void(self, line: int) -> None:
        self.attempt(self.service.void_line, line)

    @rule(line=st.integers(0, 15), pct=st.integers(-5, 10_500), amount=MONEY,
          use_pct=st.booleans())
    def line_discount(self, line: int, pct: int, amount: Money, use_pct: bool) -> None:
        if use_pct:
            self.attempt(self.service.line_discount, line, percent=Decimal(pct) / 100)
        else:
            self.attempt(self.service.line_discount, line, amount=amount)

    @rule(pct=st.integers(-5, 10_500), amount=MONEY, use_pct=st.booleans())
    def basket_discount(self, pct: int, amount: Money, use_pct: bool) -> None:
        if use_pct:
            self.attempt(self.service.basket_discount, percent=Decimal(pct) / 100)
        else:
            self.attempt(self.service.basket_discount, amount=amount)

    @rule(line=st.integers(0, 15), price=st.integers(-10, 100_000_100),
          reason=st.sampled_from(["", "damaged", "price match"]))
    def override(self, line: int, price: int, reason: str) -> None:
        self.attempt(self.service.override_price, line, Money(price, "EUR"), reason)

    @rule(extra=st.integers(-500, 10_000),
          fail=st.sampled_from([None, None, None, "commit", "add"]))
    def pay(self, extra: int, fail: str | None) -> None:
        due = self.service.view().total
        if fail == "commit":
            self.factory.ledger.fail_next_commits = 1
        elif fail == "add":
            self.factory.ledger.fail_next_adds = 1
        ok = self.attempt(self.service.pay_cash, Money(due.minor + extra, "EUR"))
        self.factory.ledger.fail_next_commits = self.factory.ledger.fail_next_adds = 0
        if ok:
            self.expected_sales += 1
            assert self.service.view().is_empty

    @rule()
    def cancel(self) -> None:
        self.service.cancel_sale()
        assert self.service.view().is_empty

    @invariant()
    def basket_adds_up(self) -> None:
        view = self.service.view()
        assert view.total.minor >= 0
        extra = 0 if view.prices_include_tax else view.tax_total.minor
        assert view.total.minor == view.subtotal.minor - view.basket_discount.minor + extra
        assert sum(t.gross.minor for t in view.taxes) == view.total.minor
        assert all(ln.total.minor >= 0 for ln in view.lines)

    @invariant()
    def ledger_is_consistent(self) -> None:
        sales = sorted(self.factory.ledger.sales.values(), key=lambda s: s.receipt_no)
        assert len(sales) == self.expected_sales
        assert [s.receipt_no for s in sales] == list(range(1, len(sales) + 1))
        for sale in sales:
            assert sum(ln.total.minor for ln in sale.lines) == sale.total.minor
            assert sale.tenders[0].tendered - sale.change == sale.total


class ExclusivePricesSession(CashierSession):
    inclusive = False


for machine in (CashierSession, ExclusivePricesSession):
    machine.TestCase.settings = settings(max_examples=80, stateful_step_count=30, deadline=None)
TestCashierSession = CashierSession.TestCase
TestExclusivePricesSession = ExclusivePricesSession.TestCase
