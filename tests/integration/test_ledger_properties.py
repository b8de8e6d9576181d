"""A Hypothesis state machine over the real ledger: sales committed, abandoned or failing
half-way, on several tills, interleaved; after every step the receipt numbers of each till
are exactly 1..n (gap-free, unique) and every committed sale reads back unchanged."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from test_ledger_fixtures import make_sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.db.sale_repo import receipt_numbers
from ireti_till.domain.errors import LedgerError
from ireti_till.domain.sale import CompletedSale

_RUN = itertools.count(1)


class LedgerMachine(RuleBasedStateMachine):
    ledger: ClassVar[Ledger | None] = None

    def __init__(self) -> None:
        super().__init__()
        if LedgerMachine.ledger is None:  # one file for all examples; tills keep them apart
            LedgerMachine.ledger = open_ledger(Path(tempfile.mkdtemp(prefix="ireti-prop-")))
        self.run = next(_RUN)
        self.committed: dict[str, list[CompletedSale]] = {}
        self.n = 0

    def till(self, index: int) -> str:
        return f"P{self.run}-{index}"

    def _sale(self, till_index: int, lines: int) -> CompletedSale:
        self.n += 1
        return make_sale(self.n, lines=lines, till_id=self.till(till_index))

    @rule(till_index=st.integers(0, 2), lines=st.integers(0, 6))
    def commit_sale(self, till_index: int, lines: int) -> None:
        assert self.ledger is not None
        with self.ledger.uow_factory() as uow:
            stored = uow.sales.add(self._sale(till_index, lines))
            uow.commit()
        self.committed.setdefault(stored.till_id, []).append(stored)

    @rule(till_index=st.integers(0, 2))
    def abandon_sale(self, till_index: int) -> None:
        assert self.ledger is not None
        with self.ledger.uow_factory() as uow:
            uow.sales.add(self._sale(till_index, 2))  # no commit: rolled back

    @rule(till_index=st.integers(0, 2))
    def sale_failing_half_way(self, till_index: int) -> None:
        """The second sale in one unit of work reuses the first's id: the whole unit fails."""
        assert self.ledger is not None
        first = self._sale(till_index, 1)
        try:
            with self.ledger.uow_factory() as uow:
                uow.sales.add(first)
                uow.sales.add(dataclasses.replace(self._sale(till_index, 1),
                                                  sale_id=first.sale_id))
                uow.commit()
        except LedgerError:
            return
        raise AssertionError("a duplicate sale id was accepted")

    @invariant()
    def receipt_numbers_are_gap_free_and_sales_read_back(self) -> None:
        assert self.ledger is not None
        with self.ledger.engine.connect() as conn:
            for index in range(3):
                till = self.till(index)
                expected = self.committed.get(till, [])
                assert list(receipt_numbers(conn, till)) == list(range(1, len(expected) + 1))
        with self.ledger.read_uow() as uow:
            for sales in self.committed.values():
                if sales:
                    last = sales[-1]
                    assert uow.sales.get(UUID(str(last.sale_id))) == last


LedgerMachine.TestCase.settings = settings(
    max_examples=12, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerMachine = LedgerMachine.TestCase


def teardown_module() -> None:
    if LedgerMachine.ledger is not None:
        LedgerMachine.ledger.close()
        shutil.rmtree(LedgerMachine.ledger.path.parent, ignore_errors=True)
        LedgerMachine.ledger = None
