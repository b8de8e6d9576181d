"""The training emulator as a child process of the till.

    python -m ireti_till.training.child --state FILE [--api-key KEY]

Binds 127.0.0.1 on a free port, prints one line ``IRETI_EMULATOR_PORT <port>`` on stdout
once it listens, then serves until its standard input reaches end of file: the till holds
the write end of that pipe and closes it to stop us, and if the till dies the OS closes
it for it, so the emulator never outlives the till. On POSIX a change of parent pid (the
till gone, this process adopted) also stops it. SIGTERM/SIGINT stop it too. The objects
are kept in ``--state`` (saved after every POST), as in the in-process emulator.

The till's side is ``ireti_till.adapters.emulator_process``. ``main(argv)`` has the shape
of a cli command (a frozen till has no ``python -m``; a hidden ``emulator-child`` entry in
cli.COMMANDS would let it run this too).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from ireti_till.training.server import DEFAULT_API_KEY, Emulator, EmulatorConfig

READY_PREFIX = "IRETI_EMULATOR_PORT"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ireti_till.training.child")
    p.add_argument("--state", type=Path, default=None, help="keep objects in this JSON file")
    p.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key the till uses")
    p.add_argument("--data-dir", help=argparse.SUPPRESS)  # cli's global option; not used
    return p


def _watch_stdin(stop: threading.Event) -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass  # the till writes nothing; anything read is ignored
    except (OSError, ValueError):
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.api_key.startswith(("sk_live_", "rk_live_")):
        print("emulator: refusing a live key", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    emulator = Emulator.start(EmulatorConfig(api_key=args.api_key, state_file=args.state))
    try:
        threading.Thread(target=_watch_stdin, args=(stop,), name="parent-pipe",
                         daemon=True).start()
        print(f"{READY_PREFIX} {emulator.port}", flush=True)
        while not stop.wait(0.5):
            if os.name == "posix" and os.getppid() != parent:
                break  # the till died and this process was adopted
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
