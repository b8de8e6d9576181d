"""Catalog import in the composed till with sign-in (issue 16): the menu item and Ctrl+I
are for administrators only, an admin's import is audited with the products; the CLI
import is audited too (actor "system")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from ireti_till.commands import catalog_import as command
from ireti_till.services.staff_ports import AuditFilter
from tests.ui.conftest import open_till
from tests.ui.test_app_wiring import ADMIN_PIN, CASHIER_PIN, audit, sign_in

CSV = "sku,gtin,name,price,tax_code\nNEW-1,,Imported one,1.50,S\nNEW-2,,Imported two,2.25,S\n"


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, products=False)


def test_only_an_admin_may_import_and_the_import_is_audited(
        qtbot: QtBot, till: Any, tmp_path: Path) -> None:
    csv = tmp_path / "prices.csv"
    csv.write_text(CSV, encoding="utf-8")
    window = till.window
    assert not window.import_action.isEnabled()  # nobody signed in
    sign_in(qtbot, till, CASHIER_PIN, "Ada")
    assert not window.import_action.isEnabled()
    assert "IT-570" in window.import_action.toolTip()
    # reached another way (the task run directly), the service refuses with its code
    with qtbot.waitSignal(window.import_task.finished, timeout=20_000) as refused:
        window.import_task.run(csv)
    assert refused.args[0] is False and "IT-570" in refused.args[1]
    assert audit(till, "catalog_import") == []
    till.staff.lock()
    sign_in(qtbot, till, ADMIN_PIN, "Chidi")
    assert window.import_action.isEnabled()
    with qtbot.waitSignal(window.import_task.finished, timeout=20_000) as done:
        window.import_task.run(csv)
    assert done.args[0] is True and "Imported 2 products" in done.args[1]
    (entry,) = audit(till, "catalog_import")
    assert entry.actor == till.staff.current.user_id
    assert entry.details["source"] == "prices.csv" and entry.details["imported"] == 2


def test_the_command_line_import_is_audited_as_system(data_dir: Path, tmp_path: Path) -> None:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.config_file import load_config
    from ireti_till.adapters.db.ledger import open_ledger
    from ireti_till.adapters.secrets import SecretStore
    from ireti_till.adapters.staff_wiring import build_audit_log

    csv = tmp_path / "cli.csv"
    csv.write_text(CSV, encoding="utf-8")
    load_config(data_dir)
    assert command.main(["--data-dir", str(data_dir), str(csv)]) == 0
    ledger = open_ledger(data_dir)
    try:
        log = build_audit_log(ledger.engine, SecretStore(data_dir, training=True),
                              SystemClock())
        (entry,) = log.search(AuditFilter(kind="catalog_import"))
        assert entry.actor == "system" and entry.details["imported"] == 2
        assert entry.details["source"] == "cli.csv"
        assert log.verify().ok  # the chain and its anchor agree
    finally:
        ledger.close()
