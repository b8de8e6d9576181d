"""Static checks on the release definitions that only run on Windows/macOS runners:
the workflow, the Inno Setup script, the macOS plists and the notarisation script."""

from __future__ import annotations

import plistlib
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import PACKAGING, REPO

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
ISS = PACKAGING / "windows" / "ireti-till.iss"
KEY_MATERIAL = re.compile(
    r"BEGIN (?:PGP PRIVATE|[A-Z ]*PRIVATE KEY)|untrusted comment: minisign encrypted secret key"
)


@pytest.fixture(scope="module")
def workflow() -> dict:
    yaml = pytest.importorskip("yaml")
    data: dict = yaml.safe_load(WORKFLOW.read_text())
    return data


def test_workflow_runs_on_version_tags_on_three_systems(workflow: dict) -> None:
    trigger = workflow[True]  # YAML 1.1 reads the key "on" as True
    assert trigger["push"]["tags"] == ["v*"]
    runners = {name: job["runs-on"] for name, job in workflow["jobs"].items()}
    assert runners["linux"].startswith("ubuntu")
    assert runners["windows"].startswith("windows")
    assert runners["macos"].startswith("macos")
    assert set(workflow["jobs"]["publish"]["needs"]) == {"linux", "windows", "macos"}


def test_workflow_names_secrets_and_holds_none(workflow: dict) -> None:
    text = WORKFLOW.read_text()
    used = set(re.findall(r"secrets\.([A-Za-z0-9_]+)", text))
    assert {"RELEASE_GPG_PRIVATE_KEY", "WINDOWS_CERT_PFX_BASE64", "MACOS_CERT_P12_BASE64",
            "MACOS_NOTARY_KEY_ID"} <= used
    assert all(name.isupper() for name in used)
    documented = set(re.findall(r"^#\s+([A-Z][A-Z0-9_]+)\s", text, re.M))
    assert used - {"GITHUB_TOKEN"} <= documented, "every secret is listed in the header"
    assert not KEY_MATERIAL.search(text)
    # the top-level token is read-only; only publishing may write
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["publish"]["permissions"] == {"contents": "write"}


def test_workflow_signs_and_verifies_every_platform(workflow: dict) -> None:
    def script(job: str) -> str:
        return "\n".join(s.get("run", "") for s in workflow["jobs"][job]["steps"])

    assert "build.sh --out dist --require-signing" in script("linux")
    assert "verify.sh" in script("linux") and "apt-get install -y ./dist" in script("linux")
    assert "sign.ps1" in script("windows") and "/Ssigntool=" in script("windows")
    assert "/VERYSILENT" in script("windows") and "unins000.exe" in script("windows")
    assert "sign_and_notarize.sh" in script("macos")
    assert "sign.sh dist/release" in script("publish") and "verify.sh" in script("publish")


def test_no_key_material_committed_under_packaging() -> None:
    for path in PACKAGING.rglob("*"):
        if path.is_file() and path.suffix not in {".pyc"}:
            assert not KEY_MATERIAL.search(path.read_text(errors="ignore")), path


def test_inno_setup_script_is_per_machine_upgradeable_and_keeps_data() -> None:
    text = ISS.read_text()
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", text, re.M), "fixed AppId for upgrades"
    assert "PrivilegesRequired=admin" in text
    assert r"DefaultDirName={autopf}\{#AppName}" in text
    assert "SignedUninstaller=yes" in text and "SignTool=signtool" in text
    assert re.search(r'^Name: "\{group\}\\\{#AppName\}"', text, re.M), "Start menu entry"
    assert "/VERYSILENT" in text and "unins000.exe" in text, "silent switches documented"
    # upgrade clears only the old runtime; nothing ever deletes the user's data
    assert re.findall(r"^Type: filesandordirs; Name: (.+)$", text, re.M) == ['"{app}\\_internal"']
    assert "[UninstallDelete]" not in text.replace("; No [UninstallDelete]", "")
    assert "{localappdata}" not in text and "{userappdata}" not in text


def test_sign_ps1_uses_sha256_and_rfc3161_timestamp() -> None:
    text = (PACKAGING / "windows" / "sign.ps1").read_text()
    assert "/fd sha256" in text and "/tr $ts /td sha256" in text
    assert "verify /pa" in text


def test_macos_plists_parse_and_hardened_runtime_stays_tight() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == "com.ireti-till.till"
    assert info["CFBundleExecutable"] == "ireti-till"
    ent = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert "com.apple.security.get-task-allow" not in ent  # a debug entitlement never ships
    assert "com.apple.security.cs.disable-library-validation" not in ent
    assert set(ent) == {"com.apple.security.cs.allow-unsigned-executable-memory"}


def test_macos_script_dry_run_signs_notarises_staples_in_order(tmp_path: Path) -> None:
    res = subprocess.run(
        [str(PACKAGING / "macos" / "sign_and_notarize.sh"), str(tmp_path / "Ireti Till.app"),
         str(tmp_path / "out"), "0.1.0", "--dry-run"],
        capture_output=True, text=True, check=True,
    )
    cmds = [line[2:] for line in res.stdout.splitlines() if line.startswith("+ ")]
    app_sign = next(i for i, c in enumerate(cmds) if "--entitlements" in c)
    assert "--options runtime" in cmds[app_sign] and "--timestamp" in cmds[app_sign]
    submit = next(i for i, c in enumerate(cmds) if "notarytool submit" in c)
    assert "--wait" in cmds[submit]
    staple = [i for i, c in enumerate(cmds) if "stapler staple" in c]
    assert app_sign < submit < min(staple)
    assert any(c.startswith("spctl --assess") for c in cmds[max(staple):])
