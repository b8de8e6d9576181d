"""Issue 13 item 13: the emulator refuses bad input the way Stripe does, never with a
traceback, and never reads a huge body whole."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.training.faults import FaultPlan
from ireti_till.training.server import MAX_BODY, Emulator, EmulatorConfig


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator.start(EmulatorConfig(rate_limit=None))
    yield emulator
    emulator.stop()


def _raw(emu: Emulator, head: str, body: bytes = b"") -> tuple[int, dict[str, object]]:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as conn:
        conn.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data:
                headers, _, rest = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in headers.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                if len(rest) >= length:
                    break
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.partition(b"\r\n\r\n")[2] or b"{}")


def _post(emu: Emulator, length: str, body: bytes) -> tuple[int, dict[str, object]]:
    head = (f"POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {emu.api_key}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\n")
    return _raw(emu, head, body)


@pytest.mark.parametrize(("length", "body", "status"), [
    ("abc", b"", 400),
    ("-1", b"", 400),
    (str(MAX_BODY + 1), b"", 413),
    ("8", b"amount=\xff\xfe", 400),
])
def test_unreadable_bodies_get_a_stripe_error(emu: Emulator, length: str, body: bytes,
                                              status: int) -> None:
    got, payload = _post(emu, length, body)
    assert got == status
    error = payload["error"]
    assert isinstance(error, dict) and error["type"] == "invalid_request_error"


def test_an_unknown_currency_is_refused(emu: Emulator) -> None:
    body = b"amount=100&currency=zzz&payment_method_types[]=card_present"
    status, payload = _post(emu, str(len(body)), body)
    assert status == 400
    assert payload["error"]["param"] == "currency"  # type: ignore[index]


@pytest.mark.parametrize("plan", [
    "[1, 2]", '{"paths": "("}', '{"http_500": "lots"}', '{"http_500": 2}',
    '{"latency_ms": -5}', "not json", '{"seed": true}',
])
def test_bad_fault_plans_are_value_errors(tmp_path: Path, plan: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(plan)
    with pytest.raises(ValueError):
        FaultPlan.from_file(path)


@pytest.mark.parametrize("args", [["--port", "-1"], ["--port", "70000"],
                                  ["--rate-limit", "-5"], ["--rate-limit", "nan"],
                                  ["--faults", "PLAN"]])
def test_bad_command_options_are_messages(tmp_path: Path, args: list[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"paths": "("}')
    argv = [a.replace("PLAN", str(plan)) for a in args]
    proc = subprocess.run([sys.executable, "-m", "ireti_till", "emulator", *argv],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip()
