"""The data directory: --data-dir, then IRETI_DATA_DIR, then platformdirs; must be writable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ireti_till.adapters import paths
from ireti_till.domain.errors import LedgerError


def test_cli_value_wins_over_the_environment(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRETI_DATA_DIR", str(tmp_path / "from-env"))
    chosen = paths.resolve_data_dir(str(tmp_path / "from-cli" / "nested"))
    assert chosen == (tmp_path / "from-cli" / "nested").resolve()
    assert chosen.is_dir()
    assert not (tmp_path / "from-env").exists()


def test_environment_is_used_without_a_cli_value(data_dir: Path) -> None:
    assert paths.resolve_data_dir(None) == data_dir.resolve()


def test_platformdirs_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRETI_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    chosen = paths.resolve_data_dir(None)
    assert chosen.name == "ireti-till"
    assert chosen.is_dir()
    assert tmp_path in chosen.parents


def test_log_dir_is_inside_the_data_dir(data_dir: Path) -> None:
    assert paths.log_dir(data_dir) == data_dir / "logs"
    assert (data_dir / "logs").is_dir()


def test_a_path_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(LedgerError) as caught:
        paths.resolve_data_dir(str(blocker / "data"))
    assert caught.value.code == "IT-202"
    assert str(blocker / "data") in str(caught.value)
    assert "--data-dir" in str(caught.value)


def test_a_file_in_place_of_the_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "data"
    target.write_text("oops")
    with pytest.raises(LedgerError) as caught:
        paths.resolve_data_dir(str(target))
    assert caught.value.code == "IT-202"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores directory permissions")
def test_a_read_only_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o500)
    try:
        with pytest.raises(LedgerError) as caught:
            paths.resolve_data_dir(str(target))
        assert caught.value.code == "IT-202"
        assert "write access" in str(caught.value)
    finally:
        target.chmod(0o700)


def test_a_read_only_file_system_is_refused() -> None:
    """Works even as root: /proc cannot hold new directories or files."""
    if not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    with pytest.raises(LedgerError) as caught:
        paths.resolve_data_dir("/proc/ireti-till-test")
    assert caught.value.code == "IT-202"
