"""Training mode's Stripe emulator in a child process (``ireti_till.training.child``).

Run in the till's own process the emulator costs the till its HTTP server, its threads and
every object it keeps (and the training package's imports); in a child it costs the till
one pipe. ``EmulatorProcess.start(state_file, api_key)`` starts
``python -m ireti_till.training.child``, reads the port it prints, and returns a handle
with the same ``base_url``/``api_key``/``stop()`` as ``training.Emulator``. The child's
standard input is a pipe whose only writer is the till: ``stop()`` closes it (then waits,
then terminates), and if the till dies the OS closes it, so the child never outlives the
till. A frozen (PyInstaller) till has no ``python -m``: ``can_spawn()`` says so and the
caller keeps the emulator in-process there.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

from ireti_till.domain.errors import TillError

READY_PREFIX = "IRETI_EMULATOR_PORT"  # = ireti_till.training.child.READY_PREFIX
START_TIMEOUT_S = 30.0


def can_spawn() -> bool:
    return not getattr(sys, "frozen", False)


class EmulatorProcess:
    """A running emulator child: ``base_url``, ``api_key``, ``pid``, ``stop()``."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, api_key: str) -> None:
        self._proc = proc
        self.port = port
        self.api_key = api_key
        self.base_url = f"http://127.0.0.1:{port}"
        self.pid = proc.pid

    @classmethod
    def start(cls, state_file: Path | None, api_key: str,
              timeout: float = START_TIMEOUT_S) -> EmulatorProcess:
        cmd = [sys.executable, "-m", "ireti_till.training.child", "--api-key", api_key]
        if state_file is not None:
            cmd += ["--state", str(state_file)]
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if os.name == "nt" else 0
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=None, close_fds=True, creationflags=flags)
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()
                                                             if proc.stdout else b""),
                                  name="emulator-ready", daemon=True)
        reader.start()
        reader.join(timeout)
        text = line[0].decode("ascii", "replace").split() if line else []
        if len(text) != 2 or text[0] != READY_PREFIX or not text[1].isdigit():
            _end(proc)
            raise TillError("The training emulator did not start "
                            f"(exit {proc.returncode}, said {text!r})", code="IT-399")
        return cls(proc, int(text[1]), api_key)

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        _end(self._proc, timeout)


def _end(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Close the child's stdin (it stops on EOF), then terminate, then kill."""
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        proc.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
