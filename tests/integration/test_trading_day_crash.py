"""A till killed (SIGKILL) in the middle of a busy shift: after the restart the Z adds up to
the surviving exported rows and to the cash expected, and nothing is half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from trading_day_support import SETTINGS, Clock, count

from ireti_till.adapters.db import report_rows  # noqa: F401
from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.services.reports import records
from ireti_till.services.shifts import ShiftService

HERE = Path(__file__).resolve().parent

CHILD = textwrap.dedent("""
    import sys, itertools
    sys.path.insert(0, {here!r})
    from pathlib import Path
    from trading_day_support import SETTINGS, Clock, count, eur, sale
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.domain.overrides import Approval, OverrideKind
    from ireti_till.services.shifts import ShiftService
    ledger = open_ledger(Path({data!r}))
    shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
    shifts.open("ada", count(n1000=10))
    print("open", flush=True)
    for i in itertools.count():
        with ledger.uow_factory() as u:
            u.sales.add(sale(100 + i % 900, cash=(100 + i % 900) if i % 2 else 0,
                             card=0 if i % 2 else 100 + i % 900))
            u.commit()
        if i % 7 == 0:
            shifts.paid_in("ada", eur(50), "change")
        if i % 11 == 0:
            shifts.paid_out("ada", eur(20), "stamps")
""")


def minor(rows: list[dict[str, object]], key: str, **where: str) -> int:
    return sum(int(Decimal(str(r[key])) * 100) for r in rows
               if all(r[k] == v for k, v in where.items()))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_mid_shift_then_close(data_dir: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(here=str(HERE), data=str(data_dir))],
        stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    probe = open_ledger(data_dir)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # let it write a few hundred rows, then kill it
            with probe.read_uow() as u:
                if u.sales.count() >= 150:
                    break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        probe.close()
    ledger = open_ledger(data_dir)  # the restart: quick_check, then the same shift goes on
    try:
        shifts = ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)
        shift = shifts.require_open_shift()
        sales = records(ledger.read_uow, "sales", shift_id=shift.shift_id)  # type: ignore[arg-type]
        cash = records(ledger.read_uow, "cash", shift_id=shift.shift_id)  # type: ignore[arg-type]
        expected = (minor(cash, "amount", kind="float") + minor(sales, "cash")
                    + minor(cash, "amount", kind="paid_in") - minor(cash, "amount",
                                                                    kind="paid_out"))
        z = shifts.close("ada", count(n1=expected))
        with ledger.read_uow() as u:
            assert u.sales.count() == len(sales) >= 150
    finally:
        ledger.close()
    assert z.sales_count == len(sales) and z.sales_total == minor(sales, "total")
    assert z.expected_cash == expected and z.over_short == 0
    assert z.paid_in == minor(cash, "amount", kind="paid_in") > 0
