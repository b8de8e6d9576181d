"""How fast the Stripe emulator serves the real SDK on loopback, against a same-run baseline.

Baseline: a bare ``http.server`` (same server class, HTTP/1.1 keep-alive, TCP_NODELAY)
answering every request with the same PaymentIntent JSON, read through the same SDK
client. The ratio emulator/baseline shows what the emulator's own work (auth, rate limit,
idempotency, routing, state, validation of parameters) costs.

    .venv/bin/python benchmarks/bench_emulator.py [--rounds 5] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe

from ireti_till.training import Emulator, EmulatorConfig


def baseline_server(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", "req_baseline")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def rate(fn: Callable[[int], None], n: int, threads: int) -> float:
    per = n // threads
    start = time.perf_counter()
    workers = [threading.Thread(target=lambda t=t: [fn(t * per + i) for i in range(per)])
               for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return per * threads / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--quick", action="store_true", help="small sizes: seconds (CI)")
    args = ap.parse_args()
    if args.quick:
        args.rounds = 2
        args.requests = 40

    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    sdk = stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url}).v1
    pi = sdk.payment_intents.create(params={"amount": 1000, "currency": "gbp",
                                            "payment_method_types": ["card_present"],
                                            "capture_method": "manual",
                                            "metadata": {"sale_id": "s"}})
    base = baseline_server(json.dumps(pi.to_dict()).encode())
    base_url = f"http://127.0.0.1:{base.server_address[1]}"
    bsdk = stripe.StripeClient("sk_test_x", base_addresses={"api": base_url}).v1
    params = {"amount": 1000, "currency": "gbp", "payment_method_types": ["card_present"],
              "capture_method": "manual", "metadata": {"sale_id": "s"}}
    cases: dict[str, tuple[Callable[[int], None], Callable[[int], None]]] = {
        "GET  retrieve PaymentIntent": (
            lambda i: sdk.payment_intents.retrieve(pi.id),
            lambda i: bsdk.payment_intents.retrieve(pi.id)),
        "POST create PaymentIntent (own key)": (
            lambda i: sdk.payment_intents.create(
                params=params, options={"idempotency_key": f"k{time.time_ns()}-{i}"}),
            lambda i: bsdk.payment_intents.create(params=params,
                                                  options={"idempotency_key": f"k{i}"})),
    }
    print(f"{args.rounds} rounds x {args.requests} requests; medians of requests/s\n")
    print(f"{'case':40} {'threads':>7} {'emulator':>10} {'baseline':>10} {'ratio':>6}")
    for name, (emu_fn, base_fn) in cases.items():
        for threads in (1, 4):
            e, b = [], []
            for _ in range(args.rounds):  # interleaved, so drift hits both alike
                e.append(rate(emu_fn, args.requests, threads))
                b.append(rate(base_fn, args.requests, threads))
            em, bm = statistics.median(e), statistics.median(b)
            print(f"{name:40} {threads:>7} {em:>10.0f} {bm:>10.0f} {em / bm:>6.2f}")
    print(f"\n(state at the end: {len(emu.state.intents)} PaymentIntents, "
          f"{len(emu.state.events)} events)")
    emu.stop()
    base.shutdown()


if __name__ == "__main__":
    main()
