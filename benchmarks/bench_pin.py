"""PIN verification cost: median of the production scrypt setting vs a plain SHA-256.

    .venv/bin/python benchmarks/bench_pin.py [--rounds 21]

A PIN check must feel instant to a person (well under 200 ms) and be expensive offline:
the script also prints what trying every 4- and 6-digit PIN against one stolen hash costs
on one core of this machine (with the pepper; without it, guessing is impossible).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time

from ireti_till.adapters.pin_hash import DEFAULT_N, DEFAULT_P, DEFAULT_R, ScryptPinHasher


def median_seconds(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 3
    hasher = ScryptPinHasher(os.urandom(32))
    encoded = hasher.hash("482913")
    assert hasher.verify("482913", encoded)
    scrypt = median_seconds(lambda: hasher.verify("482914", encoded), args.rounds)
    salt = os.urandom(16)
    baseline = median_seconds(
        lambda: [hashlib.sha256(salt + b"482914").digest() for _ in range(1000)], args.rounds
    ) / 1000
    print(f"scrypt n={DEFAULT_N} r={DEFAULT_R} p={DEFAULT_P}: median verify "
          f"{scrypt * 1000:.1f} ms over {args.rounds} rounds")
    print(f"baseline sha256 (same run): median {baseline * 1e6:.2f} us")
    print(f"ratio scrypt/sha256: {scrypt / baseline:,.0f}x")
    for digits in (4, 6):
        space = 10**digits
        print(f"exhausting all {digits}-digit PINs for ONE user, one core: "
              f"{space * scrypt / 3600:,.1f} h (sha256: {space * baseline:,.2f} s)")


if __name__ == "__main__":
    main()
