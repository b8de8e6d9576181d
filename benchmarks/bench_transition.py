"""What one committed attempt state change costs: the compare-and-set against the old way.

    .venv/bin/python benchmarks/bench_transition.py            # 2,000 changes of each
    .venv/bin/python benchmarks/bench_transition.py --quick    # 300

Measured on one real ledger file (WAL, synchronous=FULL, as the till runs it), alternating
the two so machine load hits both alike:

- ``transition``: ``PaymentContext.move`` — one ``BEGIN IMMEDIATE``, one
  ``UPDATE … WHERE attempt_id = :id AND state = :expected RETURNING *``, commit.
- baseline, the pattern it replaced: ``BEGIN IMMEDIATE``, read the attempt, check the move
  in Python, ``UPDATE`` every column by id, commit.

Prints medians and p95 in microseconds and the ratio transition / baseline (same run).
A card sale makes about five state changes, so the difference per sale is five times the
difference printed here.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from ireti_till.adapters.clock import SystemClock  # noqa: E402
from ireti_till.adapters.db.payments_repo import _attempt_values, attempts_t  # noqa: E402
from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory  # noqa: E402
from ireti_till.domain.money import Money  # noqa: E402
from ireti_till.domain.payment import Attempt, AttemptState, create_key  # noqa: E402
from ireti_till.services.payment_context import PaymentContext  # noqa: E402
from tests.faults.support import migrated_engine, sale_template  # noqa: E402

S = AttemptState
#: A legal round trip through the machine that never ends (on_reader <-> declined).
CYCLE: list[tuple[AttemptState, dict[str, Any]]] = [
    (S.DECLINED, {"decline_code": "card_declined"}), (S.ON_READER, {"reason": None})]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * (len(ordered) - 1)))]


def old_way(uow: SqlPaymentUnitOfWorkFactory, a: Attempt, target: AttemptState,
            now: Any, changes: dict[str, Any]) -> Attempt:
    with uow() as u:
        fresh = u.payments.get_attempt(a.attempt_id)
        assert fresh is not None and fresh.state is a.state
        moved = fresh.moved(target, now, **changes)
        u.connection.execute(update(attempts_t)
                             .where(attempts_t.c.attempt_id == str(moved.attempt_id))
                             .values(**_attempt_values(moved)))
        u.commit()
    return moved


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--changes", type=int, default=None)
    args = ap.parse_args()
    n = args.changes or (300 if args.quick else 2000)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as d:
        engine = migrated_engine(Path(d) / "ledger.sqlite3")
        uow = SqlPaymentUnitOfWorkFactory(engine)
        ctx = PaymentContext(uow, None, clock, "B1")  # type: ignore[arg-type]
        attempts = []
        for name in ("new", "old"):
            sale = sale_template(1250, till_id="B1")
            aid = uuid4()
            a = Attempt(aid, sale.sale_id, "B1", Money(1250, "EUR"), S.PLANNED, clock.now(),
                        clock.now())
            with uow() as u:
                u.payments.open_sale(sale, clock.now())
                u.payments.add_attempt(a, create_key(aid), "{}")
                u.commit()
            a = ctx.move(a, S.INTENT_CREATED, intent_id=f"pi_{name}")
            attempts.append(ctx.move(a, S.ON_READER, reader_id="tmr_b", reader_try=1))
        new, old = attempts
        cas: list[float] = []
        base: list[float] = []
        for i in range(n):
            target, changes = CYCLE[i % 2]
            t0 = time.perf_counter()
            new = ctx.move(new, target, **changes)
            t1 = time.perf_counter()
            old = old_way(uow, old, target, clock.now(), changes)
            t2 = time.perf_counter()
            assert new.state is target and old.state is target
            cas.append((t1 - t0) * 1e6)
            base.append((t2 - t1) * 1e6)
        engine.dispose()
    m_new, m_old = statistics.median(cas), statistics.median(base)
    print(f"attempt state change, {n} each (one real ledger, synchronous=FULL):")
    print(f"  transition (compare-and-set): median {m_new:.0f} us, p95 {pct(cas, 95):.0f} us")
    print(f"  baseline (read, check, update all): median {m_old:.0f} us, "
          f"p95 {pct(base, 95):.0f} us")
    print(f"  ratio transition/baseline: median {m_new / m_old:.2f}, "
          f"p95 {pct(cas, 95) / pct(base, 95):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
