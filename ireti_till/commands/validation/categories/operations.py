"""Operations: doctor, the support bundle, logs, metrics and alerts on the throwaway till."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import UTC, datetime

from ireti_till.commands.validation.case import Case, Category
from ireti_till.commands.validation.env import Env
from ireti_till.domain.alerts import AlertRules
from ireti_till.domain.staff import Role

CATEGORY = Category("operations", "Operations: doctor, bundle, logs, metrics, alerts", 90,
                    "What IT reads: the doctor's report and exit code, a support bundle that "
                    "is complete, checksummed and free of secrets, JSON-line logs that are "
                    "redacted, recorded metrics, and alerts with their runbook links.")

CANARY = "sk_live_VALIDATEcanary0123456789"


def _doctor(env: Env) -> object:
    from ireti_till.commands.doctor import run_doctor

    return run_doctor(env.data_dir)


def doctor_report(env: Env) -> str:
    report = _doctor(env)
    checks = {c.name: c.status.name for c in report.checks}  # type: ignore[attr-defined]
    assert checks.get("database") == "OK", checks
    return (f"{len(checks)} checks, exit code {report.exit_code}: "  # type: ignore[attr-defined]
            f"database {checks['database']}")


def doctor_guides(env: Env) -> str:
    report = _doctor(env).as_dict()  # type: ignore[attr-defined]
    text = json.dumps(report)
    bad = [c for c in report["checks"] if c["status"] != "OK" and not c.get("fix")]
    assert not bad, f"checks without a fix: {bad}"
    return f"JSON report with {len(report['checks'])} checks; every problem names a fix " \
           f"({len(text)} bytes)"


def _bundle(env: Env) -> zipfile.ZipFile:
    from ireti_till.adapters.bundle_sources import LocalBundleSources, ZipBundleWriter
    from ireti_till.commands.support_bundle import health_for, metrics_csv_for
    from ireti_till.services.support_bundle import build_bundle

    logs = env.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "ireti-till.log").write_text(json.dumps(
        {"msg": f"key {CANARY} pin=482913 card 4242424242424242"}) + "\n", encoding="utf-8")
    if not (env.data_dir / "config.toml").exists():
        from ireti_till.adapters.config_file import write_default

        write_default(env.data_dir / "config.toml")  # the commented default a till writes
    target = env.root / f"bundle-{datetime.now(UTC):%H%M%S%f}.zip"
    sources = LocalBundleSources(env.data_dir, metrics_csv=metrics_csv_for(env.data_dir),
                                 health=health_for(env.data_dir), audit=lambda: None)
    writer = ZipBundleWriter(target)
    with writer:
        build_bundle(sources, writer, created=datetime.now(UTC))
        path = writer.commit()
    return zipfile.ZipFile(path)


def bundle_complete(env: Env) -> str:
    import hashlib

    with _bundle(env) as z:
        names = set(z.namelist())
        assert {"manifest.json", "SHA256SUMS", "database.json", "health.json"} <= names, names
        for line in z.read("SHA256SUMS").decode().splitlines():
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
    return f"{len(names)} members; every SHA256SUMS line matches its member"


def bundle_clean(env: Env) -> str:
    with _bundle(env) as z:
        blob = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    for secret in (CANARY, "482913", "4242424242424242"):
        assert secret not in blob, f"{secret[:8]}... survived"
    return "a planted live key, PIN and card number were all redacted"


def bundle_config_visible(env: Env) -> str:
    with _bundle(env) as z:
        config = z.read("config.json").decode()
    assert "max_failed_pins" in config and "[REDACTED]" not in config.split(
        "max_failed_pins")[1][:20], config[:300]
    return "config.json keeps harmless settings such as max_failed_pins readable"


def logs_redacted(env: Env) -> str:
    from ireti_till.adapters.logging_setup import JsonLinesFormatter, RedactionFilter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonLinesFormatter())
    logger = logging.getLogger("ireti_till.validate.probe")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("charging %s with key %s", "4242 4242 4242 4242", CANARY,
                     extra={"pin": "482913"})
    finally:
        logger.removeHandler(handler)
    line = out.getvalue().strip()
    record = json.loads(line)
    assert CANARY not in line and "4242 4242" not in line and "482913" not in line, line
    return f"one JSON line, fields {sorted(record)[:5]}..., secrets redacted"


def metrics_recorded(env: Env) -> str:
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.metrics_query import MetricsQuery, Window

    def stored() -> int:
        return sum(env.sql(f"SELECT count(*) FROM {t}")[0][0]  # noqa: S608
                   for t in ("ops_metric_hist", "ops_metric_counter", "ops_metric_gauge"))

    before = stored()
    store = SqlMetricsStore(env.engine)
    recorder = MetricsRecorder(store)
    recorder.payment_attempt()
    recorder.payment_approved(1250, "EUR")
    recorder.observe_latency("create_payment_intent", 120.0)
    recorder.flush()
    view = MetricsQuery(store).view(Window.HOUR)
    after = stored()
    assert after > before, (before, after)
    return f"{after - before} metric rows written and read back ({type(view).__name__})"


def alerts_on_till(env: Env) -> str:
    from ireti_till.adapters.backup import SqliteBackupArchive
    from ireti_till.adapters.health_probes import LocalHealthProbe
    from ireti_till.services.alerts import AlertService

    SqliteBackupArchive(env.db_path, env.data_dir / "backups").create(datetime.now(UTC))
    probe = LocalHealthProbe(env.data_dir)
    quiet = AlertService(probe, lambda: datetime.now(UTC), AlertRules(backup_max_age_hours=10**6,
                         disk_min_free_mb=0), stripe_probe=False).evaluate()
    loud = AlertService(probe, lambda: datetime.now(UTC), AlertRules(disk_min_free_mb=10**9),
                        stripe_probe=False).evaluate()
    keys = {a.alert.key for a in loud}
    assert not [a for a in quiet if a.alert.key in ("disk_low", "backup_stale")], quiet
    assert "disk_low" in keys and all(a.alert.link.startswith("docs/runbook.md#") for a in loud)
    return f"rules evaluated on the till: {sorted(keys)} raised with runbook links"


def alert_ack_audited(env: Env) -> str:
    from ireti_till.adapters.health_probes import LocalHealthProbe
    from ireti_till.services.alerts import AlertService
    from ireti_till.services.staff_ports import AuditFilter

    service = AlertService(LocalHealthProbe(env.data_dir), lambda: datetime.now(UTC),
                           AlertRules(disk_min_free_mb=10**9), stripe_probe=False,
                           audit_record=env.staff.audit.record)
    service.evaluate()
    service.acknowledge("disk_low", env.member(Role.SUPERVISOR))
    rows = env.staff.audit.search(AuditFilter(kind="alert_ack", limit=100000))
    assert rows and rows[-1].details.get("alert") == "disk_low", rows[-1:]
    return "a supervisor acknowledged disk_low; alert_ack is in the audit trail"


def export_sales(env: Env) -> str:
    from ireti_till.adapters.db.uow import SqlUnitOfWork
    from ireti_till.services.export import export_sales as export

    out = io.StringIO()
    n = export(lambda: SqlUnitOfWork(env.engine), out, fmt="csv")
    lines = out.getvalue().splitlines()
    assert len(lines) >= 1, lines
    return f"{n} sales exported as CSV ({len(lines)} lines)"


def config_loads(env: Env) -> str:
    from ireti_till.adapters.config_alerts import load_alert_rules
    from ireti_till.adapters.config_file import load_config

    had = (env.data_dir / "config.toml").exists()
    config = load_config(env.data_dir)  # writes the commented default when there is none
    rules = load_alert_rules(env.data_dir)
    which = "the copied" if env.copied and had else "the default"
    mode = "training" if config.training else "live"
    return (f"{which} config.toml loads: {config.store.currency}, till "
            f"{config.store.till_id}, {len(config.store.tax_rates)} tax rate(s), {mode}; "
            f"alert rules valid (queue {rules.queue_oldest_minutes} min)")


def catalog_sound(env: Env) -> str:
    from ireti_till.adapters.config_file import load_config

    config = load_config(env.data_dir)
    codes = {r.code for r in config.store.tax_rates}
    rows = env.sql("SELECT sku, unit_price_minor, currency, tax_code FROM products")
    bad = [r for r in rows if r[1] <= 0 or r[2] != config.store.currency or r[3] not in codes]
    assert not bad, f"{len(bad)} products unusable, e.g. {bad[:3]}"
    return (f"{len(rows)} products: positive prices in {config.store.currency}, known tax "
            "codes" if rows else "no catalog copied (a fresh throwaway till)")


CASES = [
    Case("OPS-01", "Doctor reports on the till with an exit code", doctor_report),
    Case("OPS-02", "Doctor's JSON names a fix for every problem", doctor_guides),
    Case("OPS-03", "The support bundle is complete and its checksums match",
         bundle_complete),
    Case("OPS-04", "The support bundle redacts planted secrets", bundle_clean),
    Case("OPS-05", "The bundle's config keeps harmless settings readable",
         bundle_config_visible),
    Case("OPS-06", "Log lines are JSON and redacted", logs_redacted),
    Case("OPS-07", "Payment metrics are recorded and read back", metrics_recorded),
    Case("OPS-08", "Alert rules raise on the till with runbook links", alerts_on_till),
    Case("OPS-09", "Acknowledging an alert is recorded in the audit trail",
         alert_ack_audited),
    Case("OPS-10", "Sales export to CSV for the accountant", export_sales),
    Case("OPS-11", "The till's config.toml and alert rules load", config_loads),
    Case("OPS-12", "Every catalog product has a price, the currency and a known tax code",
         catalog_sound),
]
