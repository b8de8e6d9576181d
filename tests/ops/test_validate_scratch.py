"""``validate``'s throwaway folder: marked with its owner, swept when the owner was killed.

The main test really SIGKILLs a running ``ireti-till validate`` and checks that the folder it
leaves is removed by the sweep (and by ``doctor``), while a live run's folder, an unmarked
folder, a folder with an unreadable marker and a data directory are left alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ireti_till.adapters import validation_scratch as scratch
from ireti_till.commands import doctor
from ireti_till.services.health import Status

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _killed_validate(base: Path) -> Path:
    """Start ``ireti-till validate`` with ``base`` as its temp dir, SIGKILL it once it has
    reported a case (its throwaway till exists then), return the folder it left."""
    env = {**os.environ, "TMPDIR": str(base), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ireti_till", "validate", "--category", "audit"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the first case line: an event, no sleep
        assert line.startswith("AUD-"), line
        left = list(base.glob(f"{scratch.PREFIX}*"))
        assert len(left) == 1
        owner = scratch.read_marker(left[0])
        assert owner is not None and owner.pid == proc.pid
        assert scratch.owner_alive(owner.pid, owner.proc_start)
        assert scratch.stale_folders(base) == []  # a live run's folder is not stale
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert left[0].is_dir() and (left[0] / "till" / "ledger.sqlite3").exists()
    return left[0]


@pytest.fixture
def live_owner() -> object:
    """A process that stays alive until the test ends (its folder must never be touched)."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE)
    yield proc
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=60)


def _plant(base: Path, name: str, marker: object | None) -> Path:
    folder = base / name
    folder.mkdir()
    (folder / "keep.txt").write_text("not yours", encoding="utf-8")
    if marker is not None:
        text = marker if isinstance(marker, str) else json.dumps(marker)
        (folder / scratch.MARKER).write_text(text, encoding="utf-8")
    return folder


def test_a_sigkilled_validate_leaves_a_marked_folder_that_the_sweep_removes(
        tmp_path: Path, live_owner: subprocess.Popen[bytes]) -> None:
    base = tmp_path / "tmp"
    base.mkdir()
    killed = _killed_validate(base)
    pid = live_owner.pid
    alive = _plant(base, f"{scratch.PREFIX}alive", {"pid": pid,
                                                     "proc_start": scratch._proc_start(pid)})
    unmarked = _plant(base, f"{scratch.PREFIX}unmarked", None)
    garbage = _plant(base, f"{scratch.PREFIX}garbage", "{not json")
    data_dir = _plant(base, "till-data", {"pid": 999_999_999})  # marked, but not ours by name
    data_dir.joinpath("ledger.sqlite3").write_bytes(b"SQLite format 3\x00")

    assert scratch.sweep(base, remove=False).left == (killed,)
    assert killed.is_dir()  # listing removes nothing

    # the next validate run sweeps it, and removes its own folder when it ends
    env = {**os.environ, "TMPDIR": str(base)}
    done = subprocess.run(
        [sys.executable, "-m", "ireti_till", "validate", "--category", "audit"], cwd=ROOT,
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.startswith("1 stale validation folder(s) of killed runs removed\n")
    assert not killed.exists()
    assert sorted(p.name for p in base.iterdir()) == sorted(
        p.name for p in (alive, unmarked, garbage, data_dir))
    for kept in (alive, unmarked, garbage, data_dir):
        assert (kept / "keep.txt").exists(), kept
    assert scratch.sweep(base).found == 0


def test_sweep_removes_only_dead_owners_folders(tmp_path: Path,
                                                live_owner: subprocess.Popen[bytes]) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    stale = _plant(tmp_path, f"{scratch.PREFIX}dead", {"pid": dead.pid, "proc_start": "1"})
    alive = _plant(tmp_path, f"{scratch.PREFIX}alive", {
        "pid": live_owner.pid, "proc_start": scratch._proc_start(live_owner.pid)})
    swept = scratch.sweep(tmp_path)
    assert swept.removed == (stale,) and swept.left == ()
    assert not stale.exists() and (alive / "keep.txt").exists()


def test_a_reused_pid_is_not_the_owner(tmp_path: Path,
                                       live_owner: subprocess.Popen[bytes]) -> None:
    if scratch._proc_start(live_owner.pid) is None:
        pytest.skip("no /proc start times here")
    reused = _plant(tmp_path, f"{scratch.PREFIX}reused",
                    {"pid": live_owner.pid, "proc_start": "1"})  # started at another time
    assert scratch.sweep(tmp_path).removed == (reused,)
    assert live_owner.poll() is None  # the process itself is untouched


def test_scratch_dir_is_marked_with_this_process_and_removed_after(tmp_path: Path) -> None:
    with scratch.scratch_dir(tmp_path) as folder:
        owner = scratch.read_marker(folder)
        assert owner is not None and owner.pid == os.getpid()
        assert scratch.stale_folders(tmp_path) == []
    assert not folder.exists()


def test_doctor_removes_and_counts_stale_folders(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "tmp"
    base.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    for i in range(2):
        _plant(base, f"{scratch.PREFIX}{i}", {"pid": dead.pid, "proc_start": "1"})
    _plant(base, f"{scratch.PREFIX}unmarked", None)
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    first = doctor.validation_folders()
    assert (first.status, first.summary) == (Status.OK, "2 stale validation folders removed")
    assert sorted(p.name for p in base.iterdir()) == [f"{scratch.PREFIX}unmarked"]
    again = doctor.run_doctor(tmp_path / "data", only={"validation"})
    line = next(c for c in again.checks if c.name == "validation")
    assert line.summary == "0 stale validation folders removed"


def test_doctor_warns_when_a_stale_folder_cannot_be_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    folder = _plant(tmp_path, f"{scratch.PREFIX}stuck", {"pid": dead.pid, "proc_start": "1"})

    def refuse(path: object, *a: object, **k: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(scratch.shutil, "rmtree", refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    check = doctor.validation_folders()
    assert check.status is Status.WARN and "1 found and not removable" in check.summary
    assert check.anchor == "stale-validation-folders" and folder.exists()
