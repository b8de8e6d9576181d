"""AlertService on a real ledger: the health probe's facts, acknowledgement in the audit."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.adapters.health_probes import LocalHealthProbe
from ireti_till.domain.alerts import AlertRules
from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.alerts import AlertService, doctor_lines
from ireti_till.services.staff_ports import AuditFilter

SUPERVISOR = StaffMember("u2", "Bola", Role.SUPERVISOR)


@pytest.fixture
def till(data_dir: Path):
    engine = migrated_engine(data_dir)
    clock = FakeClock(datetime.now(UTC))
    ctx = context(engine, data_dir, clock)
    yield engine, ctx, clock
    engine.dispose()


def _service(data_dir: Path, ctx, clock, **kw) -> AlertService:
    probe = LocalHealthProbe(data_dir, clock=clock.now)
    return AlertService(probe, clock.now, kw.pop("rules", AlertRules()), stripe_probe=False,
                        audit_check=lambda: (ctx.audit.verify().ok, "chain broken"),
                        audit_record=ctx.audit.record, **kw)


def test_a_till_without_backups_raises_the_backup_alert_once(till, data_dir: Path) -> None:
    _engine, ctx, clock = till
    seen: list[frozenset[str]] = []
    service = _service(data_dir, ctx, clock)
    service.on_change(lambda _active, new: seen.append(new))
    first = service.evaluate()
    assert [a.alert.key for a in first] == ["backup_stale"]
    assert first[0].alert.link == "docs/runbook.md#no-verified-backup"
    service.evaluate()
    assert seen == [frozenset({"backup_stale"})]  # not re-announced while it stays active
    assert "no-verified-backup" in "\n".join(doctor_lines(service))
    assert service.payload()[0]["key"] == "backup_stale"


def test_disk_rule_uses_the_real_free_space(till, data_dir: Path) -> None:
    _engine, ctx, clock = till
    service = _service(data_dir, ctx, clock, rules=AlertRules(disk_min_free_mb=10**9))
    assert "disk_low" in {a.alert.key for a in service.evaluate()}


def test_acknowledge_is_recorded_and_kept_while_active(till, data_dir: Path) -> None:
    engine, ctx, clock = till
    service = _service(data_dir, ctx, clock)
    service.evaluate()
    acked = service.acknowledge("backup_stale", SUPERVISOR)
    assert acked.acknowledged_by == "u2"
    clock.advance(minutes=1)
    assert service.evaluate()[0].acknowledged_by == "u2"
    with SqlUnitOfWork(engine) as uow:
        rows = uow.audit.query(AuditFilter(kind="alert_ack"))
    assert len(rows) == 1 and rows[0].actor == "u2" and "backup_stale" in rows[0].details


def test_cashiers_cannot_acknowledge_and_unknown_alerts_are_refused(till, data_dir) -> None:
    _engine, ctx, clock = till
    service = _service(data_dir, ctx, clock)
    service.evaluate()
    with pytest.raises(AuthorisationError) as err:
        service.acknowledge("backup_stale", StaffMember("u1", "Ada", Role.CASHIER))
    assert err.value.code == "IT-572"
    with pytest.raises(AuthorisationError):
        service.acknowledge("disk_low", SUPERVISOR)


def test_audit_failure_raises_an_alert_and_is_checked_at_most_every_interval(
        till, data_dir: Path) -> None:
    _engine, _ctx, clock = till
    calls: list[int] = []

    def check() -> tuple[bool, str]:
        calls.append(1)
        return False, "entry 3 changed"

    probe = LocalHealthProbe(data_dir, clock=clock.now)
    service = AlertService(probe, clock.now, stripe_probe=False, audit_check=check,
                           audit_every=timedelta(minutes=30))
    assert "audit_failing" in {a.alert.key for a in service.evaluate()}
    clock.advance(minutes=5)
    service.evaluate()
    assert len(calls) == 1
    clock.advance(minutes=30)
    service.evaluate()
    assert len(calls) == 2
