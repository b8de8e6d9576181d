"""``ireti-till validate``: the staging checklist as a command (cases, options, outputs)."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ireti_till.commands import validate
from ireti_till.commands.validation.case import EMULATOR_ONLY, Case
from ireti_till.commands.validation.env import Env
from ireti_till.commands.validation.registry import all_cases, registry
from ireti_till.commands.validation.report import FAIL, PASS, SKIP, junit, run_cases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("validate")
    mp = pytest.MonkeyPatch()
    from tests.fixtures.memory_keyring import MemoryKeyring

    ring = MemoryKeyring()
    mp.setattr("keyring.get_keyring", lambda: ring, raising=False)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = validate.main(["--emulator", "--junit", str(out / "v.xml"),
                              "--report", str(out / "v.md")])
    mp.undo()
    return {"code": code, "out": buf.getvalue(), "junit": out / "v.xml",
            "report": out / "v.md"}


def test_at_least_100_cases_in_10_categories_with_unique_ids() -> None:
    cats = registry()
    assert len(cats) >= 10 and all(len(cases) >= 8 for _c, cases in cats)
    ids = [c.id for c in all_cases()]
    assert len(ids) >= 100 and len(set(ids)) == len(ids)


def test_every_case_passes_against_the_emulator(full_run: dict[str, Any]) -> None:
    out = full_run["out"]
    assert full_run["code"] == 0, [line for line in out.splitlines() if " FAIL " in line]
    rows = [line for line in out.splitlines() if line[:3].isalpha() and line[3] == "-"]
    assert len(rows) == len(all_cases()) and all(" PASS " in r for r in rows)
    assert "refused unapproved (IT-435)" in out and "leg failed" in out


def test_junit_and_markdown_report(full_run: dict[str, Any]) -> None:
    tree = ET.parse(full_run["junit"])
    cases = tree.getroot().findall(".//testcase")
    assert len(cases) == len(all_cases())
    assert not tree.getroot().findall(".//failure")
    report = full_run["report"].read_text(encoding="utf-8")
    assert "| PAY-01 | PASS |" in report and "the built-in emulator" in report


def test_category_filter_and_unknown_category(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--category", "nonsense"]) == 2
    assert validate.main(["--list", "--category", "security,audit"]) == 0
    out = capsys.readouterr().out
    assert "SEC-01" in out and "AUD-01" in out and "PAY-01" not in out


def test_a_failing_case_is_a_fail_row_and_a_junit_failure(tmp_path: Path) -> None:
    def broken(env: Env) -> str:
        raise AssertionError("reader on fire")

    env = Env(tmp_path, "sk_test_unused", None, emu=None)
    try:
        cases = [Case("X-01", "breaks", broken, category="x"),
                 Case("X-02", "emulator only", broken, EMULATOR_ONLY, category="x"),
                 Case("X-03", "fine", lambda e: "ok", category="x")]
        results = run_cases(env, cases)
    finally:
        env.close()
    assert [r.status for r in results] == [FAIL, SKIP, PASS]
    assert "reader on fire" in results[0].evidence
    assert "skipped with --stripe-test" in results[1].evidence
    root = ET.fromstring(junit(results, "test"))
    assert len(root.findall(".//failure")) == 1 and len(root.findall(".//skipped")) == 1


def test_stripe_test_mode_skips_emulator_only_cases_with_the_reason(tmp_path: Path) -> None:
    skipped = [c for c in all_cases() if c.stripe_test is not None]
    assert skipped and all(c.stripe_test for c in skipped)
    env = Env(tmp_path, "sk_test_unused", None, emu=None)
    try:
        results = run_cases(env, skipped)
    finally:
        env.close()
    assert {r.status for r in results} == {SKIP}


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
def test_live_keys_are_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("IRETI_STRIPE_TEST_KEY", key)
    assert validate.main(["--stripe-test"]) == 2


def test_data_dir_without_a_till_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--data-dir", str(tmp_path), "--category", "security"]) == 2
    assert "IT-560" in capsys.readouterr().err
    assert validate.main(["--data-dir", str(tmp_path / "missing")]) == 2


def test_data_dir_config_and_catalog_are_copied_not_touched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    till = tmp_path / "till"
    till.mkdir()
    (till / "config.toml").write_text("# a till's config\n", encoding="utf-8")
    scratch = Env(tmp_path / "make", "sk_test_unused", None, emu=None)
    scratch.close()
    ledger = till / "ledger.sqlite3"
    (tmp_path / "make" / "till" / "ledger.sqlite3").rename(ledger)
    conn = sqlite3.connect(ledger)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(products)")]
    conn.close()
    assert "sku" in cols
    before = ledger.read_bytes()
    env = Env(tmp_path / "run", "sk_test_unused", None, emu=None, source=till)
    try:
        assert "config.toml" in env.copied and "catalog (0 products)" in env.copied
        assert (env.data_dir / "config.toml").read_text() == "# a till's config\n"
    finally:
        env.close()
    assert ledger.read_bytes() == before


def test_the_staging_checklist_doc_is_generated_from_the_cases(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.main(["--list", "--markdown"]) == 0
    generated = capsys.readouterr().out
    doc = (ROOT / "docs" / "staging-checklist.md").read_text(encoding="utf-8")
    assert doc == generated, ("docs/staging-checklist.md is stale: regenerate it with "
                              "`ireti-till validate --list --markdown > "
                              "docs/staging-checklist.md`")
