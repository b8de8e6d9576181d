"""Load: 20 tills (separate processes, separate ledgers) ringing card sales at once against
one emulator limited to 25 requests/s (Stripe test mode), with a Stripe-like latency
profile (lognormal, median 120 ms per request).

    .venv/bin/python benchmarks/bench_load.py            # 20 tills x 5 sales
    .venv/bin/python benchmarks/bench_load.py --quick    # 20 tills x 2 sales

Prints p50/p95 of the whole tender (card key to sale completed, including the customer's
tap), the request count, 429s seen, and the books: every sale completed, 0 duplicate
charges, captured total = local card total. Baseline: one till alone, same run.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(base_url: str, api_key: str, till: str, db: str, reader: str, sales: int) -> None:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.engine import make_engine
    from ireti_till.adapters.db.payments_uow import SqlPaymentUnitOfWorkFactory
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from ireti_till.domain.payment import AttemptState as S
    from ireti_till.services.payments_core import PaymentsCore
    from tests.faults.support import sale_template

    engine = make_engine(Path(db))
    gateway = StripeGateway(api_key, base_url=base_url, training=True, max_network_retries=2,
                            timeout_s=10.0)
    core = PaymentsCore(SqlPaymentUnitOfWorkFactory(engine), gateway, SystemClock(), till)
    core.readers.choose_reader(reader)
    times = []
    for _ in range(sales):
        sale = sale_template(1000 + len(times), till_id=till)
        t0 = time.perf_counter()
        core.tender.begin(sale)
        st = core.cards.start(sale.sale_id)
        tapped = False
        for _ in range(400):
            if st.phase == "approved" and st.sale_completed:
                break
            if st.state is S.CANCELLED:
                st = core.cards.start(sale.sale_id)
            elif st.state is S.PLANNED:
                st = core.cards.resume(st.attempt_id)
            elif st.state in (S.INTENT_CREATED, S.DECLINED):
                st, tapped = core.cards.try_again(st.attempt_id), False
            elif st.state is S.ON_READER:
                if not tapped:
                    try:
                        core.simulate("approve")
                        tapped = True
                    except Exception:  # noqa: BLE001 - rate limited: tap again next round
                        pass
                time.sleep(0.5)  # the worker's default poll interval
                st = core.cards.poll(st.attempt_id)
            else:
                time.sleep(0.5)
                st = core.cards.poll(st.attempt_id)
        times.append(time.perf_counter() - t0)
    for _ in range(50):  # captures that hit a 429 wait in the outbox
        if not core.queue_summary().count:
            break
        time.sleep(1.0)
        core.outbox.drain()
    print(json.dumps({"till": till, "times": times, "queued": core.queue_summary().count}))
    engine.dispose()


def run(tills: int, sales: int, tmp: Path, template: Path, emu: Any) -> dict[str, Any]:
    from ireti_till.adapters.stripe_gateway import StripeGateway
    from tests.faults.support import register_reader

    gateway = StripeGateway(emu.api_key, base_url=emu.base_url, training=True)
    emu.limiter.per_second = None
    procs = []
    names = [f"L{tills:02d}{i:02d}" for i in range(tills)]
    readers = {name: register_reader(gateway, name) for name in names}
    emu.limiter.per_second = RATE_LIMIT
    statuses: Counter[int] = Counter()
    emu.observers.append(lambda req, out: statuses.update([out.status]))
    t0 = time.perf_counter()
    for name in names:
        db = tmp / f"{name}.sqlite3"
        shutil.copyfile(template, db)
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--child", emu.base_url, emu.api_key, name, str(db),
             readers[name], str(sales)], stdout=subprocess.PIPE, text=True, cwd=ROOT))
    results = [json.loads(p.communicate(timeout=1200)[0].strip().splitlines()[-1])
               for p in procs]
    wall = time.perf_counter() - t0
    emu.observers.clear()
    times = [t for r in results for t in r["times"]]
    books = _books(tmp, names, emu)
    return {"tills": tills, "sales": len(times), "wall_s": wall,
            "p50_s": statistics.median(times),
            "p95_s": sorted(times)[math.ceil(0.95 * (len(times) - 1))],
            "requests": sum(statuses.values()), "http_429": statuses.get(429, 0),
            "queued_left": sum(r["queued"] for r in results), **books}


def _books(tmp: Path, names: list[str], emu: Any) -> dict[str, int]:
    from tests.faults.scenario import check

    with emu.state.lock:
        intents = [dict(p) for p in emu.state.intents.values()]
    totals = Counter[str]()
    for name in names:
        b = check(tmp / f"{name}.sqlite3", intents, name)
        totals.update({"double_charges": b.double_charges, "sales_lost": b.sales_lost,
                       "orphans": b.orphan_authorisations, "open_sales": b.open_sales,
                       "captured_mismatch": b.captured_mismatch})
    return dict(totals)


RATE_LIMIT = 25.0  # requests/s the shared emulator allows (--rate-limit)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        a = sys.argv[2:]
        child(a[0], a[1], a[2], a[3], a[4], int(a[5]))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tills", type=int, default=None, help="default 20 (--quick: 3)")
    ap.add_argument("--sales", type=int, default=None)
    ap.add_argument("--rate-limit", type=float, default=25.0,
                    help="the emulator's requests/s (25: Stripe test mode; 100: live mode)")
    args = ap.parse_args()
    global RATE_LIMIT
    RATE_LIMIT = args.rate_limit
    sales = args.sales or (2 if args.quick else 5)
    args.tills = args.tills or (3 if args.quick else 20)
    from ireti_till.training.faults import FaultPlan
    from ireti_till.training.server import Emulator, EmulatorConfig
    from tests.faults.crash_harness import template_db

    plan = FaultPlan(latency="lognormal", latency_ms=120, latency_sigma=0.4, seed=7)
    emu = Emulator.start(EmulatorConfig(rate_limit=RATE_LIMIT, faults=plan))
    ok = True
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            template = template_db(tmp / "template.sqlite3")
            alone = run(1, sales, tmp, template, emu)
            many = run(args.tills, sales, tmp, template, emu)
    finally:
        emu.stop()
    for label, r in (("1 till (baseline)", alone), (f"{args.tills} tills", many)):
        print(f"{label}: {r['sales']} sales in {r['wall_s']:.1f} s; tender p50 "
              f"{r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s; {r['requests']} requests, "
              f"{r['http_429']} x 429; double charges {r.get('double_charges', 0)}, "
              f"sales lost {r.get('sales_lost', 0)}, orphans {r.get('orphans', 0)}, "
              f"open {r.get('open_sales', 0)}, mismatches {r.get('captured_mismatch', 0)}, "
              f"queue left {r['queued_left']}")
        ok &= not (r.get("double_charges") or r.get("sales_lost") or r.get("orphans")
                   or r.get("open_sales") or r.get("captured_mismatch") or r["queued_left"])
        ok &= r["sales"] == r["tills"] * sales
    print(f"p50 ratio {args.tills} tills / 1 till: {many['p50_s'] / alone['p50_s']:.2f}")
    print("all sales complete, 0 duplicates" if ok else "LOAD CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
