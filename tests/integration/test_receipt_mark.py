"""Receipt numbers are never issued twice, also after `restore` of an older backup."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from trading_day_support import sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.db.receipt_mark import ReceiptMark
from ireti_till.commands import backup as backup_cmd
from ireti_till.commands import restore as restore_cmd
from ireti_till.domain.errors import LedgerError


def ring(ledger: Ledger, mark: ReceiptMark, n: int) -> list[int]:
    numbers = []
    for _ in range(n):
        with ledger.uow_factory() as u:
            s = u.sales.add(sale(100, cash=100))
            u.commit()
        mark.record(s.till_id, s.receipt_no)  # what the checkout does after each commit
        numbers.append(s.receipt_no)
    return numbers


def test_after_restoring_an_older_backup_numbering_continues_above_the_mark(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mark = ReceiptMark(data_dir)
    ledger = open_ledger(data_dir)
    assert ring(ledger, mark, 3) == [1, 2, 3]
    ledger.close()
    assert backup_cmd.main(["--data-dir", str(data_dir)]) == 0
    backup = next((data_dir / "backups").glob("ireti-till-*.sqlite3"))
    ledger = open_ledger(data_dir)
    assert ring(ledger, mark, 2) == [4, 5]  # on customers' paper now
    ledger.close()
    assert restore_cmd.main(["--data-dir", str(data_dir), "--yes", str(backup)]) == 0
    capsys.readouterr()
    ledger = open_ledger(data_dir)
    try:
        assert mark.apply(ledger.engine) == {"T01": 5}
        assert ring(ledger, mark, 1) == [6]
    finally:
        ledger.close()
    assert stat.S_IMODE(os.stat(mark.path).st_mode) == 0o600


def test_the_mark_only_grows_and_learns_from_the_ledger(data_dir: Path) -> None:
    mark = ReceiptMark(data_dir)
    mark.record("T01", 7)
    mark.record("T01", 3)
    assert mark.read() == {"T01": 7}
    ledger = open_ledger(data_dir)
    try:
        with ledger.uow_factory() as u:
            for _ in range(9):
                u.sales.add(sale(100, cash=100, till_id="T02"))
            u.commit()
        mark.apply(ledger.engine)
        assert mark.read() == {"T01": 7, "T02": 9}
        with ledger.uow_factory() as u:
            assert u.sales.add(sale(100, cash=100)).receipt_no == 8
    finally:
        ledger.close()


def test_a_damaged_mark_is_an_error_not_a_fresh_start(data_dir: Path) -> None:
    mark = ReceiptMark(data_dir)
    mark.path.write_text("{not json")
    with pytest.raises(LedgerError) as err:
        mark.read()
    assert err.value.code == "IT-660"


def test_queuing_a_receipt_raises_the_mark(data_dir: Path) -> None:
    from trading_day_support import Clock

    from ireti_till.adapters.printers.virtual import VirtualPrinter
    from ireti_till.services.printing import PrintQueue

    mark = ReceiptMark(data_dir)
    ledger = open_ledger(data_dir)
    try:
        queue = PrintQueue(ledger.uow_factory, Clock(), VirtualPrinter(), till_id="T01",
                           store="Shop", mark=mark.record)
        with ledger.uow_factory() as u:
            s = u.sales.add(sale(100, cash=100))
            u.commit()
        queue.receipt(s)
    finally:
        ledger.close()
    assert mark.read() == {"T01": 1}
