"""Cost of recording one metric sample in the payment path, vs appending to a list.

    .venv/bin/python benchmarks/bench_metrics.py

Prints the median ns per sample over several rounds for: a bare ``list.append`` of a tuple
(the same-run baseline), ``observe_latency``, ``count`` (no labels / with labels), and the
cost per sample of the once-a-minute ``drain`` (histogram building, off the payment path).
"""

from __future__ import annotations

import statistics
import sys
import time

from ireti_till.services.metrics import MetricsRecorder

QUICK = "--quick" in sys.argv  # small sizes, a few seconds (CI runs it)
N = 10_000 if QUICK else 200_000
ROUNDS = 3 if QUICK else 7


def _ns_per(fn, n: int = N) -> float:
    start = time.perf_counter_ns()
    fn(n)
    return (time.perf_counter_ns() - start) / n


def baseline(n: int) -> None:
    out: list[tuple[float, int, str, str, float]] = []
    append = out.append
    now = time.time
    for i in range(n):
        append((now(), 0, "tender", "", float(i % 1000)))


def observe(n: int) -> None:
    rec = MetricsRecorder(None, max_pending=n + 1)
    f = rec.observe_latency
    for i in range(n):
        f("tender", i % 1000)


def count_plain(n: int) -> None:
    rec = MetricsRecorder(None, max_pending=n + 1)
    f = rec.count
    for _ in range(n):
        f("payment.attempts")


def count_labelled(n: int) -> None:
    rec = MetricsRecorder(None, max_pending=n + 1)
    f = rec.count
    labels = {"code": "card_declined"}
    for _ in range(n):
        f("payment.declined", labels)


def drain(n: int) -> None:
    rec = MetricsRecorder(None, max_pending=n + 1, clock=lambda: 1_800_000_000.0)
    for i in range(n):
        rec.observe_latency("tender", 300 + i % 2000)
    start = time.perf_counter_ns()
    rec.drain()
    drain.elapsed = time.perf_counter_ns() - start  # type: ignore[attr-defined]


def main() -> None:
    results: dict[str, list[float]] = {k: [] for k in
                                       ("baseline", "observe", "count", "count+labels", "drain")}
    for _ in range(ROUNDS):
        results["baseline"].append(_ns_per(baseline))
        results["observe"].append(_ns_per(observe))
        results["count"].append(_ns_per(count_plain))
        results["count+labels"].append(_ns_per(count_labelled))
        drain(N)
        results["drain"].append(drain.elapsed / N)  # type: ignore[attr-defined]
    base = statistics.median(results["baseline"])
    print(f"{'what':<16}{'median ns/sample':>18}{'x baseline':>12}")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:<16}{med:>18.0f}{med / base:>12.2f}")
    print(f"(N={N} samples x {ROUNDS} rounds; baseline = list.append of the same tuple; "
          "drain runs once a minute on the worker, not in the payment path)")


if __name__ == "__main__":
    main()
