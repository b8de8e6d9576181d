"""``ireti-till doctor`` against real ledgers, a fake Stripe endpoint and a planted queue."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.db.ledger import DB_FILENAME
from ireti_till.adapters.health_probes import LocalHealthProbe
from ireti_till.commands import doctor
from ireti_till.services.health import HealthService, Status
from tests.integration.ops_helpers import _reset_ops_logging, make_ledger, write_sales  # noqa: F401

NOW = datetime.now(UTC)


def _by_name(report) -> dict[str, Status]:
    return {c.name: c.status for c in report.checks}


def test_healthy_training_till_is_all_ok(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    write_sales(engine, 3)
    engine.dispose()
    SqliteBackupArchive(data_dir / DB_FILENAME, data_dir / "backups").create(NOW)
    probe = LocalHealthProbe(data_dir, mode="training", reader_id="tmr_sim")
    report = HealthService(probe, lambda: NOW).run()
    assert report.exit_code in (0, 1), report
    statuses = _by_name(report)
    # The ledger is at every head but the lead's merge revision is not there yet; the only
    # WARN tolerated is the schema one for that reason.
    assert statuses["stripe"] == Status.OK and statuses["reader"] == Status.OK
    assert statuses["backup"] == Status.OK and statuses["queue"] == Status.OK
    assert statuses["logs"] == Status.OK and statuses["clock"] == Status.OK
    assert statuses["database"] in (Status.OK, Status.WARN)
    assert all(c.status == Status.OK or c.guide for c in report.checks)


def test_damaged_database_fails_with_exit_2_and_json(data_dir: Path, capsys) -> None:
    engine = make_ledger(data_dir)
    write_sales(engine, 50)
    engine.dispose()
    db = data_dir / DB_FILENAME
    raw = bytearray(db.read_bytes())
    page = 4096
    for offset in range(2 * page + 100, len(raw) - page, page):  # scribble over data pages
        raw[offset:offset + 64] = b"\xa5" * 64
    db.write_bytes(bytes(raw))
    status = doctor.main(["--data-dir", str(data_dir), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 2 and out["exit_code"] == 2 and out["status"] == "FAIL"
    database = next(c for c in out["checks"] if c["check"] == "database")
    assert database["status"] == "FAIL"
    assert database["guide"] == "docs/troubleshooting.md#database"


class _FakeStripe(BaseHTTPRequestHandler):
    skew = timedelta(0)
    reader_status = "online"

    def do_GET(self) -> None:
        if self.path.startswith("/v1/terminal/readers/"):
            body: dict[str, object] = {"id": "tmr_1", "object": "terminal.reader",
                                       "status": self.reader_status, "label": "Front desk"}
        else:
            body = {"object": "list", "data": [], "has_more": False, "url": "/v1/terminal/readers"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return format_datetime(datetime.now(UTC) + self.skew, usegmt=True)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_stripe() -> Iterator[tuple[str, type[_FakeStripe]]]:
    handler = type("Handler", (_FakeStripe,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_test_mode_reports_reachability_reader_and_clock_skew(
    data_dir: Path, memory_keyring, fake_stripe
) -> None:
    base, handler = fake_stripe
    memory_keyring.set_password("ireti-till", "stripe-secret-key-test", "sk_test_doctor123")
    make_ledger(data_dir).dispose()

    def run():
        probe = LocalHealthProbe(data_dir, mode="test", reader_id="tmr_1", api_base=base)
        return _by_name(HealthService(probe, lambda: datetime.now(UTC)).run())

    ok = run()
    assert ok["stripe"] == Status.OK and ok["clock"] == Status.OK and ok["reader"] == Status.OK
    handler.skew = timedelta(minutes=-10)
    handler.reader_status = "offline"
    bad = run()
    assert bad["clock"] == Status.FAIL and bad["reader"] == Status.FAIL


def test_unreachable_stripe_and_wrong_key_mode(data_dir: Path, memory_keyring) -> None:
    make_ledger(data_dir).dispose()
    memory_keyring.set_password("ireti-till", "stripe-secret-key-live", "sk_test_wrongmode")
    probe = LocalHealthProbe(data_dir, mode="live", api_base="http://127.0.0.1:9")
    report = HealthService(probe, lambda: NOW).run()
    stripe = next(c for c in report.checks if c.name == "stripe")
    assert stripe.status == Status.FAIL and "test key" in stripe.summary
    memory_keyring.set_password("ireti-till", "stripe-secret-key-live", "sk_live_closedport")
    probe = LocalHealthProbe(data_dir, mode="live", api_base="http://127.0.0.1:9")
    report = HealthService(probe, lambda: NOW).run()
    stripe = next(c for c in report.checks if c.name == "stripe")
    assert stripe.status == Status.FAIL and "not reachable" in stripe.summary
    assert stripe.anchor == "stripe-unreachable" and report.exit_code == 2


def test_old_queue_and_near_capture_deadline(data_dir: Path) -> None:
    engine = make_ledger(data_dir)
    old = (NOW - timedelta(hours=22)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    soon = (NOW + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    write_sales(engine, 1)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO tender_sales (sale_id, till_id, currency, total_minor, state, "
            "sale_json, created_at, updated_at) VALUES ('s1', 'T1', 'EUR', 500, 'open', '{}', "
            "?, ?)", (old, old))
        conn.exec_driver_sql(
            "INSERT INTO card_attempts (attempt_id, sale_id, till_id, amount_minor, currency, "
            "state, create_key, params_json, reader_try, capture_before, created_at, "
            "updated_at) VALUES ('a1', 's1', 'T1', 500, 'EUR', 'authorised', 'a1:create', "
            "'{}', 0, ?, ?, ?)", (soon, old, old))
        conn.exec_driver_sql(
            "INSERT INTO payment_outbox (op_id, kind, attempt_id, params_json, idem_key, "
            "key_generation, state, tries, next_at, created_at, updated_at) VALUES ('o1', "
            "'capture', 'a1', '{}', 'a1:capture', 0, 'pending', 3, ?, ?, ?)", (old, old, old))
    engine.dispose()
    report = HealthService(LocalHealthProbe(data_dir), lambda: NOW).run()
    checks = {c.name: c for c in report.checks}
    assert checks["queue"].status == Status.FAIL and "1 queued, oldest 22 h" in checks[
        "queue"].summary
    assert checks["capture-deadline"].status == Status.FAIL
    assert "1 uncaptured" in checks["capture-deadline"].summary


def test_unwritable_log_dir_is_a_warning(data_dir: Path) -> None:
    (data_dir / "logs").write_text("a file where the folder should be")
    probe = LocalHealthProbe(data_dir)
    report = HealthService(probe, lambda: NOW).run()
    logs = next(c for c in report.checks if c.name == "logs")
    assert logs.status == Status.WARN and logs.anchor.startswith("it-510")


def test_every_guide_anchor_exists_in_the_troubleshooting_runbook() -> None:
    import re

    import ireti_till.services.health as health_module

    root = Path(__file__).resolve().parents[2]
    runbook = (root / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', runbook))
    source = Path(health_module.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r',\s*"([a-z0-9-]+)"\)', source))  # the last argument: the anchor
    assert len(used) >= 10 and used - anchors == set(), used - anchors
    # Every check name (used as the anchor when its probe crashes) has an entry too.
    for check in ("database", "stripe", "keyring", "reader", "queue", "disk", "backup", "logs",
                  "config", "data-dir"):
        assert check in anchors
    for code in ("it-501", "it-502", "it-503", "it-504", "it-505", "it-506", "it-510",
                 "it-520", "it-521", "it-530"):
        assert code in anchors


def test_training_doctor_never_imports_stripe(data_dir: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from ireti_till.commands import doctor;"
            f"rc = doctor.main(['--data-dir', {str(data_dir)!r}, '--json']);"
            "print('stripe' in sys.modules, rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "False 1"
