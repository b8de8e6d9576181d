"""The trading day's services: shifts, the print queue and its printer (issue 12).

``build_trading_day`` runs once the first screen takes input (or at the first sale or
shift action before that: ``composition.trading_day``), on the ledger's unit of work,
which waits for the ledger on a fast start; nothing here talks to a device or the network
while building, and the repositories are registered on the ledger thread
(``register_repositories``). The worker side is ``jobs()``: ``(name, func, every_s)``
tuples the composition root puts on the till's one scheduler.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.config_trading_day import TradingDaySettings
from ireti_till.domain.errors import TillError
from ireti_till.services.deferred import Deferred

if TYPE_CHECKING:
    from ireti_till.adapters.backoffice_wiring import Backoffice
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.opener import LedgerOpener
    from ireti_till.adapters.printers.virtual import VirtualPrinter
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.backoffice_catalog import AuditRecord
    from ireti_till.services.health import CheckResult
    from ireti_till.services.printing import PrintQueue
    from ireti_till.services.printing_ports import PrinterPort
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.services.shifts import ShiftService

log = logging.getLogger("ireti_till.app")

Job = tuple[str, Callable[[], object], float]

PRINT_EVERY_S = 2.0  # a failed job is retried this often; a new job is sent at once (wake)
STATUS_EVERY_S = 15.0  # the printer's state for the status bar and the health panel


class _LaterAudit:
    """``AuditAppender`` on the staff phase's deferred audit log (resolved by the time a
    shift changes: that needs someone signed in)."""

    def __init__(self, audit: Deferred[AuditLog]) -> None:
        self._audit = audit

    def append(self, repo: Any, kind: str, actor: str, details: Mapping[str, Any]) -> object:
        return self._audit.get().append(repo, kind, actor, details)


class _LaterMark:
    """``ReceiptMark.record``, made on first use: SQLAlchemy (which ``receipt_mark``
    imports) stays out of the way of the first screen."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._mark: Any = None

    def record(self, till_id: str, receipt_no: int) -> None:
        if self._mark is None:
            from ireti_till.adapters.db.receipt_mark import ReceiptMark

            self._mark = ReceiptMark(self._data_dir)
        self._mark.record(till_id, receipt_no)


def register_repositories() -> None:
    """``uow.shifts``, ``uow.prints``, ``uow.report_rows``, ``uow.reconcile_rows``: on the
    ledger thread when the ledger opens (``composition.ledger.prepare_ledger``)."""
    from ireti_till.adapters.db import (  # noqa: F401 - each registers its repository
        print_repo,
        reconcile_rows,
        report_rows,
        shift_repo,
    )


@dataclass
class TradingDay:
    settings: TradingDaySettings
    shifts: ShiftService
    queue: PrintQueue
    virtual: VirtualPrinter | None  # training (or kind virtual/none): receipts on screen
    configured: bool  # a printer is set up (training: the one on screen)
    #: the same service on the read-only unit of work: the checkout's shift check never
    #: waits for the write lock
    reads: ShiftService | None = None
    #: the printer's last known state, read on the worker (``status_job``)
    last_check: CheckResult | None = None
    #: called on the worker with each new check (the status bar's relay sets it)
    on_status: list[Callable[[CheckResult], None]] = field(default_factory=list)

    def require_open_shift(self) -> object:
        return (self.reads or self.shifts).require_open_shift()

    def status_job(self) -> CheckResult:
        """Worker thread: ask the printer, then tell the status bar and doctor's panel."""
        from ireti_till.services.printing_health import printer_check, waiting_jobs

        check = printer_check(self.queue.status(), waiting_jobs(self.queue.jobs()),
                              self.configured)
        self.last_check = check
        for listener in list(self.on_status):
            listener(check)
        return check

    def save_printer(self, config: AppConfig, table: dict[str, Any], training: bool) -> object:
        """Admin > Printer: write ``[printer]`` (IT-623/IT-213: nothing written), then the
        next job goes to the new printer."""
        from ireti_till.adapters.config_trading_day import save_printer

        saved = save_printer(config.path, table)
        self.use_printer(read_settings(config), training)
        log.info("printer set to %s", saved.kind)
        return saved

    def refund_printed(self, record: RefundRecord) -> None:
        """After a refund commits: its slip, and the drawer when cash went out."""
        from ireti_till.domain.refund_policy import LegAction

        cash = any(leg.action is LegAction.CASH_OUT for leg in record.legs)
        legs = [("cash" if leg.action is LegAction.CASH_OUT else
                 f"card {leg.card_brand or ''} {leg.card_last4 or ''}".rstrip())
                + f" {leg.amount.format()}" for leg in record.legs]
        try:
            self.queue.refund(record.code, None, record.amount.format(), legs, cash=cash)
        except TillError as exc:  # the refund stands; the slip can be reprinted
            log.error("refund slip of %s not queued (%s)", record.code, exc.code)

    def use_printer(self, settings: TradingDaySettings, training: bool) -> None:
        """After Admin > Printer saved new settings: the next job goes to the new printer."""
        printer, virtual = make_printer(settings, training, self.virtual)
        self.queue.printer = printer
        self.queue.width = settings.printer.width
        self.settings, self.virtual = settings, virtual
        self.configured = training or settings.printer.kind != "none"


def printer_table(config: AppConfig) -> dict[str, Any]:
    """The ``[printer]`` table as config.toml holds it now (empty if unreadable)."""
    try:
        table = tomllib.loads(config.path.read_text(encoding="utf-8-sig")).get("printer", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return table if isinstance(table, dict) else {}


def reconciliation_lines(read_uow: Any, gateway: Any, till_id: str,
                         shifts: ShiftService) -> tuple[str, ...]:
    """Pool thread: ``reconcile_day.reconcile`` for the open shift, as the Z's lines."""
    from ireti_till.services.reconcile_day import reconcile

    shift = shifts.current()
    if shift is None:
        return ()
    try:
        result = reconcile(read_uow, gateway, till_id, start=shift.opened_at,
                           end=datetime.now(UTC), shift_id=shift.shift_id)
    except TillError as exc:
        log.warning("reconciliation for the Z not done: %s", exc.code)
        return (f"Stripe not checked ({exc.code}): run 'ireti-till reconcile' later",)
    return tuple(result.lines())


def read_settings(config: AppConfig) -> TradingDaySettings:
    """``[shift]``, ``[printer]``, ``[email]`` (raises ``ConfigError`` naming the key)."""
    from ireti_till.adapters.config_trading_day import read_trading_day

    return read_trading_day(config.path, config.store.currency)


def make_printer(settings: TradingDaySettings, training: bool,
                 virtual: VirtualPrinter | None = None
                 ) -> tuple[PrinterPort, VirtualPrinter | None]:
    """The virtual printer in training or for kind ``virtual``/``none``; else ESC/POS."""
    if training or settings.printer.kind in ("virtual", "none"):
        from ireti_till.adapters.printers.virtual import VirtualPrinter

        shown = virtual if virtual is not None else VirtualPrinter()
        return shown, shown
    from ireti_till.adapters.printers.escpos_printer import EscposPrinter

    return EscposPrinter(settings.printer), None


def _mailer(settings: TradingDaySettings, data_dir: Path, training: bool) -> Any:
    if settings.email is None:
        return None
    from ireti_till.adapters.printers.email_smtp import SmtpMailer
    from ireti_till.adapters.secrets import SecretStore

    try:
        password = SecretStore(data_dir, training=training).get("smtp_password")
    except Exception:  # noqa: BLE001 - no keyring: mail without a login; logged
        log.warning("SMTP password not read from the keyring; email receipts go unsigned-in")
        password = None
    return SmtpMailer(settings.email, password)


def build_trading_day(opener: LedgerOpener, data_dir: Path, config: AppConfig,
                      training: bool, settings: TradingDaySettings,
                      audit: Deferred[AuditLog] | None) -> TradingDay:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.services.printing import PrintQueue
    from ireti_till.services.shifts import ShiftService

    clock = SystemClock()
    store = config.store
    # The registered repositories (``uow.shifts``, ``uow.prints``...) are not in the
    # ``SqlUnitOfWork`` type: the ports name them.
    write: Any = opener.uow_factory
    read: Any = lambda: opener.result().read_uow()  # noqa: E731
    printer, virtual = make_printer(settings, training)
    appender = _LaterAudit(audit) if audit is not None else None
    queue = PrintQueue(write, clock, printer, till_id=store.till_id,
                       store=store.store_name, address=store.address_lines,
                       tax_id=store.tax_id, footer=store.receipt_footer,
                       width=settings.printer.width,
                       mail=_mailer(settings, data_dir, training), audit=appender,
                       mark=_LaterMark(data_dir).record)
    shifts = ShiftService(write, clock, store.till_id, settings.shift,
                          audit=appender, drawer=queue)
    reads = ShiftService(read, clock, store.till_id,
                         settings.shift)
    return TradingDay(settings, shifts, queue, virtual,
                      training or settings.printer.kind != "none", reads)


def enrolled_backoffice(ledger: Ledger, data_dir: Path, training: bool,
                        note: Callable[[str, str, str, bool], None],
                        audit: AuditRecord | None = None) -> tuple[Backoffice, list[Job]] | None:
    """Worker thread: when this till is enrolled, the back office with its sync and
    catalog jobs and a status job ("back office: n waiting, oldest ...", told to ``note``);
    otherwise None (nothing runs). ``audit`` records pulled tax-rate changes (issue 14)."""
    from ireti_till.adapters.backoffice_retention import retention_days_or_default
    from ireti_till.adapters.backoffice_wiring import make_backoffice
    from ireti_till.adapters.secrets import SecretStore

    bo = make_backoffice(ledger.engine, SecretStore(data_dir, training=training),
                         ledger.uow_factory, audit=audit,
                         retention_days=retention_days_or_default(data_dir))
    if not bo.factory.enrolled():
        log.info("back office: not enrolled (nothing to sync)")
        return None

    def status() -> None:
        state = bo.status()
        late = (state.oldest_age_s or 0.0) > 600  # ten minutes behind: say it in red
        note("backoffice", state.text().capitalize(), state.last_error or "", late)

    return bo, [*bo.jobs(), ("backoffice-status", status, 5.0)]


def jobs(day: TradingDay) -> list[Job]:
    """The trading day's periodic work for the worker: ``(name, func, every_s)``."""
    return [("print-queue", day.queue.run_once, PRINT_EVERY_S),
            ("printer-status", day.status_job, STATUS_EVERY_S)]


def printer_health(data_dir: Path) -> CheckResult:
    """``doctor``'s printer line: the configured printer's state (asked now) and the print
    jobs still waiting in the ledger (read-only). Never raises."""
    from ireti_till.adapters.config_file import load_config
    from ireti_till.services.health import CheckResult, Status
    from ireti_till.services.printing_health import ANCHOR, printer_check, waiting_jobs

    if not (data_dir / "config.toml").exists():  # never written by the doctor
        return CheckResult("printer", Status.OK, "no config.toml yet: no printer set up")
    try:
        config = load_config(data_dir)
        settings = read_settings(config)
        # the configured device, also in training (where the till prints on screen)
        printer, _virtual = make_printer(settings, False)
        return printer_check(printer.status(), waiting_jobs(_recent_jobs(data_dir)),
                             settings.printer.kind != "none")
    except Exception as exc:  # noqa: BLE001 - the doctor reports, it never stops
        return CheckResult("printer", Status.WARN, f"printer not checked ({exc})",
                           "see the config check above", ANCHOR)


def _recent_jobs(data_dir: Path) -> list[Any]:
    from sqlalchemy import create_engine

    from ireti_till.adapters.db.print_repo import SqlPrintRepository

    path = data_dir / "ledger.sqlite3"
    if not path.exists():
        return []
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return SqlPrintRepository(conn).recent(200)
    finally:
        engine.dispose()
