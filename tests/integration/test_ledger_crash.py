"""Crashes: a child process writing sales is SIGKILLed, mid-transaction or at any moment.

Afterwards every sale the child reported as committed is in the ledger, complete (all its
lines and its tender), no partial sale exists, and receipt numbers are 1..N without a gap,
continuing without a gap after the crash. Run as a script, this module is the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from test_ledger_fixtures import make_sale

from ireti_till.adapters.db.ledger import open_ledger
from ireti_till.adapters.db.sale_repo import receipt_numbers

LINES_PER_SALE = 5
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def child(data_dir: Path, mode: str) -> None:
    ledger = open_ledger(data_dir)
    n = 0
    while True:
        n += 1
        with ledger.uow_factory() as uow:
            sale = uow.sales.add(make_sale(n, lines=LINES_PER_SALE))
            if mode == "hold" and n == 4:
                # lines and tender written, commit not yet: the parent kills us here
                print(f"MID {sale.receipt_no} {sale.sale_id}", flush=True)
                sys.stdin.readline()
            uow.commit()
        print(f"COMMITTED {sale.receipt_no} {sale.sale_id}", flush=True)


def _spawn(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, str(data_dir), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parent,
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def _read_until(proc: subprocess.Popen[str], prefix: str, count: int = 1) -> list[list[str]]:
    seen: list[list[str]] = []
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        assert line, "the child stopped before reaching the crash point"
        parts = line.split()
        if parts[0] == "COMMITTED":
            seen.append(parts)
        if parts[0] == prefix and (prefix != "COMMITTED" or len(seen) >= count):
            return seen + ([parts] if prefix != "COMMITTED" else [])


def _check_ledger(data_dir: Path, committed_ids: set[str]) -> list[int]:
    ledger = open_ledger(data_dir)  # runs quick_check: a torn file would raise here
    try:
        with ledger.engine.connect() as conn:
            numbers = list(receipt_numbers(conn, "T01"))
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM sale_lines WHERE sale_id NOT IN (SELECT id FROM sales)"
            ).scalar()
            incomplete = conn.exec_driver_sql(
                "SELECT count(*) FROM sales s WHERE "
                f"(SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id) != {LINES_PER_SALE}"
                " OR (SELECT count(*) FROM sale_tenders t WHERE t.sale_id = s.id) != 1"
            ).scalar()
            stored_ids = {r[0] for r in conn.exec_driver_sql("SELECT id FROM sales")}
    finally:
        ledger.close()
    assert orphans == 0 and incomplete == 0
    assert committed_ids <= stored_ids, "a sale reported as committed was lost"
    assert numbers == list(range(1, len(numbers) + 1)), "receipt numbers have a gap"
    return numbers


def test_kill_between_lines_and_commit_loses_nothing_committed(data_dir: Path) -> None:
    proc = _spawn(data_dir, "hold")
    lines = _read_until(proc, "MID")
    _kill(proc)
    committed = {parts[2] for parts in lines if parts[0] == "COMMITTED"}
    in_flight = lines[-1][2]
    assert len(committed) == 3
    numbers = _check_ledger(data_dir, committed)
    assert numbers == [1, 2, 3]
    ledger = open_ledger(data_dir)
    try:
        with ledger.uow_factory() as uow:
            assert uow.sales.get(UUID(in_flight)) is None  # the uncommitted sale vanished
            assert uow.sales.add(make_sale(99)).receipt_no == 4  # no gap after the crash
            uow.commit()
    finally:
        ledger.close()


def test_repeated_kills_at_any_moment_lose_no_committed_sale(data_dir: Path) -> None:
    crashes, committed = 3, set[str]()
    for _ in range(crashes):
        proc = _spawn(data_dir, "loop")
        seen = _read_until(proc, "COMMITTED", count=15)
        _kill(proc)  # the child is somewhere in its next sale: any point is fair
        committed |= {parts[2] for parts in seen}
        numbers = _check_ledger(data_dir, committed)
    assert len(numbers) >= 15 * crashes
    print(f"\ncrashes injected: {crashes}, sales committed: {len(numbers)}, sales lost: 0")


if __name__ == "__main__":
    child(Path(sys.argv[1]), sys.argv[2])
