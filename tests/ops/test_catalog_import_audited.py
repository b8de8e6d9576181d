"""Catalog import as a person starts it: administrators only, in the audit trail."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.catalog_import import (
    CatalogImportRefused,
    import_csv_audited,
)
from ireti_till.services.staff_ports import AuditFilter

CSV = "sku,name,price,tax_code\nA1,Apple,0.50,STD\nB2,Bread,1.99,STD\n"


@pytest.fixture
def till(data_dir: Path):
    engine = migrated_engine(data_dir)
    ctx = context(engine, data_dir, FakeClock())
    yield engine, ctx
    engine.dispose()


def _run(engine, ctx, actor: StaffMember) -> int:
    result = import_csv_audited(lambda: SqlUnitOfWork(engine), ctx.audit, io.StringIO(CSV),
                                actor=actor, source="/tmp/x/prices.csv", currency="EUR",
                                tax_codes={"STD"})
    return result.imported


@pytest.mark.parametrize("role", [Role.CASHIER, Role.SUPERVISOR])
def test_non_admins_are_refused_and_nothing_changes(till, role: Role) -> None:
    engine, ctx = till
    with pytest.raises(CatalogImportRefused) as err:
        _run(engine, ctx, StaffMember("u1", "Ada", role))
    assert err.value.code == "IT-570" and "administrator" in err.value.message
    with SqlUnitOfWork(engine) as uow:
        assert uow.catalog.count() == 0
        assert not uow.audit.query(AuditFilter(kind="catalog_import"))


def test_an_admin_import_is_recorded_with_the_products(till) -> None:
    engine, ctx = till
    assert _run(engine, ctx, StaffMember("u9", "Chidi", Role.ADMIN)) == 2
    with SqlUnitOfWork(engine) as uow:
        assert uow.catalog.count() == 2
        rows = uow.audit.query(AuditFilter(kind="catalog_import"))
    assert len(rows) == 1 and rows[0].actor == "u9"
    assert '"source":"prices.csv"' in rows[0].details.replace(" ", "")
    assert ctx.audit.verify().ok


def test_a_disabled_admin_is_refused(till) -> None:
    engine, ctx = till
    with pytest.raises(CatalogImportRefused):
        _run(engine, ctx, StaffMember("u9", "Chidi", Role.ADMIN, active=False))
