"""Training mode's emulator in a child process (adapters/emulator_process.py,
training/child.py): it answers on the port it reports, keeps its state file, stops when the
till stops it, and does not outlive a till that is killed. No sleeps: process exits are
awaited on a pidfd (Linux) or with ``Popen.wait``."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ireti_till.adapters import payments_wiring
from ireti_till.adapters.emulator_process import EmulatorProcess
from ireti_till.composition import payments

KEY = payments_wiring.TRAINING_API_KEY

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs a pidfd (Linux)")


def _get(base_url: str, path: str) -> Any:
    request = urllib.request.Request(base_url + path)
    request.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _post(base_url: str, path: str, data: bytes) -> Any:
    request = urllib.request.Request(base_url + path, data=data, method="POST")
    request.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _exited(pid: int, timeout: float = 15.0) -> bool:
    """True once ``pid`` has exited (awaited on a pidfd, no polling loop)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def test_child_serves_keeps_state_and_stops(tmp_path: Path) -> None:
    state = tmp_path / "training-stripe.json"
    emu = EmulatorProcess.start(state, KEY)
    try:
        assert emu.pid != os.getpid() and emu.alive()
        assert emu.base_url.startswith("http://127.0.0.1:")
        created = _post(emu.base_url, "/v1/terminal/locations",
                        b"display_name=Shop&address[line1]=1+Main+St&address[city]=Dublin"
                        b"&address[country]=IE")
        assert created["id"].startswith("tml_")
    finally:
        emu.stop()
    assert not emu.alive() and _exited(emu.pid)
    assert state.exists()
    again = EmulatorProcess.start(state, KEY)  # a restart reads the state back
    try:
        listed = _get(again.base_url, "/v1/terminal/locations")
        assert created["id"] in [loc["id"] for loc in listed["data"]]
    finally:
        again.stop()


FAKE_TILL = textwrap.dedent("""
    import sys
    from pathlib import Path
    from ireti_till.adapters.emulator_process import EmulatorProcess
    emu = EmulatorProcess.start(Path(sys.argv[1]), "sk_test_ireti_till_emulator")
    print(emu.pid, flush=True)
    sys.stdin.read()  # wait to be killed
""")


def test_child_does_not_outlive_a_killed_till(tmp_path: Path) -> None:
    till = subprocess.Popen([sys.executable, "-c", FAKE_TILL, str(tmp_path / "s.json")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert till.stdout is not None
        child_pid = int(till.stdout.readline())
        assert not _exited(child_pid, timeout=0)  # running while the till runs
        till.send_signal(signal.SIGKILL)  # no clean-up runs in the till
        till.wait(10)
        assert _exited(child_pid), "the emulator child outlived a killed till"
    finally:
        if till.poll() is None:
            till.kill()
            till.wait()


def test_payments_runtime_uses_the_child_and_close_stops_it(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ireti_till.adapters.config_file import load_config
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.worker.sync import SyncWorker

    monkeypatch.setattr(SyncWorker, "start", lambda self: None)
    ledger = open_ledger(data_dir)
    runtime = payments.PaymentsRuntime()
    try:
        payments._build(runtime, ledger, data_dir, load_config(data_dir), True, None, object())
        assert isinstance(runtime.emulator, EmulatorProcess) and runtime.emulator.alive()
        assert runtime.core is not None and runtime.core.readers.current_reader()
        assert ("ireti_till.training.server" not in sys.modules
                or payments_wiring.EMULATOR_IN_CHILD)
    finally:
        runtime.close()
        ledger.close()
    assert runtime.emulator is not None and not runtime.emulator.alive()
    assert (data_dir / payments_wiring.EMULATOR_STATE).exists()


def test_in_process_option_is_kept(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payments_wiring, "EMULATOR_IN_CHILD", False)
    emu = payments_wiring.start_emulator(data_dir / payments_wiring.EMULATOR_STATE)
    try:
        assert not isinstance(emu, EmulatorProcess)
        assert _get(emu.base_url, "/v1/terminal/locations")["data"] == []
    finally:
        emu.stop()


def test_stripe_is_imported_without_aiohttp() -> None:
    """A new process (stripe picks its async client once, at import: never aiohttp's; httpx's
    is fine, the till loads httpx anyway for its back-office client)."""
    code = textwrap.dedent("""
        import sys
        from ireti_till.composition import tricks
        tricks.import_stripe_sync_only()
        import stripe._http_client as http
        print("stripe" in sys.modules, "aiohttp" in sys.modules,
              http._default_async_client is not http.AIOHTTPClient)
        try:
            import aiohttp  # still importable by anything else that wants it
            print("importable")
        except ImportError:
            print("not installed")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out[:3] == ["True", "False", "True"]
    assert out[3] in ("importable", "not")
