"""The dependency audit script: offline-tolerant, and it reads pip-audit's verdict."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "audit-deps.sh"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(180)
def test_unreachable_vulnerability_service_is_reported_and_not_a_failure() -> None:
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = dict(os.environ, HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy,
               http_proxy=proxy, NO_PROXY="", no_proxy="", IRETI_AUDIT_TIMEOUT="3")
    res = subprocess.run(["bash", str(SCRIPT), sys.executable], env=env, capture_output=True,
                         text=True, timeout=170, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "could not be reached" in res.stdout


def test_missing_pip_audit_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    res = subprocess.run(["bash", str(SCRIPT), str(fake)], capture_output=True, text=True,
                         timeout=30, check=False)
    assert res.returncode == 2
    assert "pip-audit is not installed" in res.stderr
