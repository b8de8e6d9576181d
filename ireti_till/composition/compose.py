"""``compose()``: the one function that builds a till, phase by phase.

1. **pre-flight** (``LedgerOpener.begin``, started by ``app.main`` before Qt): the ledger
   file is checked with the standard library on a helper thread.
2. **first screen**: the sale service and the main window; on a fast start they read the
   catalog through ``FastReads`` (``tricks`` 1), no SQLAlchemy needed.
3. **ledger**: on a fast start it opens once the window holds the focus
   (``LedgerOpener.window_shown``); otherwise it is open before ``compose`` returns.
4. **staff**: the sign-in screen, overrides and the audit trail (``composition.staff``),
   then the trading day (shifts, receipts, the Shift menu: ``composition.trading_day``).
5. **payments** and 6. **operations**: start steps run once the window is shown
   (``Till.start_background``): ``operations.attach_operations`` wires ops, card payments
   (``payments.wire_payments``) and refunds, and adds their own start/close steps.

A later feature adds its start-up work with one typed line in ``attach_operations`` (or
``till.lifecycle.on_start(step)`` / ``on_close(step)`` from a phase), a scheduler job in
the phase that owns it, a menu entry in its ``ui`` module called from there.
"""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig, load_config
from ireti_till.adapters.paths import log_dir
from ireti_till.composition.alerts import check_rules as check_alert_rules
from ireti_till.composition.ledger import LedgerOpener, importer, prepare_ledger
from ireti_till.composition.staff import StaffPrep
from ireti_till.composition.till import Till
from ireti_till.domain.errors import OperationsError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ireti_till.adapters.instance_lock import InstanceLock
    from ireti_till.composition.operations import OpsTools
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")


def setup_logging(data_dir: Path) -> Path | None:
    from ireti_till.adapters.logging_setup import configure_logging

    return configure_logging(log_dir(data_dir))


def qt_app() -> QApplication:
    """The QApplication with the shipped fonts and theme (``ui.application``)."""
    from ireti_till.composition.tricks import drop_pyside_source_cache
    from ireti_till.ui.application import qt_app as make

    drop_pyside_source_cache()  # tricks 3: before the ledger thread loads SQLAlchemy
    return make()


def compose(data_dir: Path, *, force_training: bool = False, cashier: str | None = None,
            seed_demo: bool = True, config: AppConfig | None = None,
            opener: LedgerOpener | None = None, staff: bool | None = None,
            staff_prep: StaffPrep | None = None, tools: OpsTools | None = None) -> Till:
    """The till for ``data_dir`` (raises ``TillError``). ``config``/``opener``/``staff_prep``
    come from ``app.main``, which starts them before Qt; by default they start here.
    ``staff`` (default: on unless a ``cashier`` is named, as benchmarks and screen tests
    do) puts the sign-in screen first; ``tools`` enables Help > Till health/Support bundle."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.composition.staff import wire_staff
    from ireti_till.composition.tax_rates import tax_book_for
    from ireti_till.composition.trading_day import read_settings
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.main_window import MainWindow, ScreenContext

    config = config if config is not None else load_config(data_dir)
    check_alert_rules(data_dir)  # IT-571: a bad [alerts] rule stops the start (issue 16)
    day_settings = read_settings(config)  # [shift]/[printer]/[email]: ConfigError if bad
    training = config.training or force_training
    with_staff = cashier is None if staff is None else staff
    if opener is None:
        opener = LedgerOpener(data_dir, prepare_ledger(config, training, seed_demo))
    reads = opener.fast_reads()  # phase 1's verdict: None starts the full open now
    clock = SystemClock()
    staff_ui: StaffUi | None = None

    tax_book = tax_book_for(opener)  # the back office's tax rates (issue 14), else config's

    def sale_service(who: object) -> SaleService:
        """A cashier's sale service; with staff sign-in, approvals are enforced and voids
        audited under their id."""
        audit = staff_ui.services.audit.get if staff_ui is not None else None
        return SaleService(opener.uow_factory, config.store, clock,
                           str(getattr(who, "name", who)), training, read_uow_factory=reads,
                           rules=config.staff.overrides if with_staff else None,
                           audit=audit, actor_id=str(getattr(who, "user_id", "system")),
                           tax_book=tax_book)

    # phase 2: the first screen, built while the ledger opens (or before it does)
    who = cashier or ("Not signed in" if with_staff else _os_user())
    ctx = ScreenContext(store=config.store, training=training, cashier=who,
                        receipts_dir=data_dir / "receipts", beep=config.ui.beep,
                        import_catalog=importer(opener, config))  # type: ignore[arg-type]
    window = MainWindow(sale_service(who), ctx)
    try:
        if reads is None:
            opener.result()  # phase 3 now: the ledger is open before anything is shown
        else:
            opener.when_shown(opener.start_now)  # phase 3 once the screen takes input
        staff_ui = (wire_staff(window, opener, data_dir, config, training, sale_service,
                               staff_prep, fast=reads is not None)  # phase 4
                    if with_staff else None)
    except BaseException:
        opener.discard()
        window.deleteLater()
        raise
    if staff_ui is not None:  # issue 16: admins only, audited
        from ireti_till.composition.catalog import wire_catalog_import

        wire_catalog_import(window, opener, config, staff_ui)
    till = Till(data_dir, config, training, opener, window.controller.service, window,
                staff_ui)
    if staff_ui is not None:  # the trading day, before the first sale
        from ireti_till.composition.trading_day import build_trading_day
        from ireti_till.composition.trading_day_ui import attach_trading_day

        day = build_trading_day(opener, data_dir, config, training, day_settings,
                                staff_ui.services.audit)
        till.trading_day.resolve(day)
        attach_trading_day(till, staff_ui, day)
    if staff_ui is not None:  # phases 5 and 6, once the window is shown
        from ireti_till.composition.operations import attach_operations
        from ireti_till.composition.payments import wire_payments

        till.lifecycle.on_start(lambda: attach_operations(till, tools, wire_payments))
    for warning in config.warnings:
        window.messages.warn(warning)
    return till


def fast_opener(data_dir: Path, config: AppConfig, training: bool) -> tuple[LedgerOpener,
                                                                            StaffPrep]:
    """Phase 1 for ``app.main``: the opener (pre-flight started) and the staff context
    it prepares on the ledger thread."""
    prep = StaffPrep(data_dir, config, training)
    opener = LedgerOpener(data_dir, prepare_ledger(config, training, then=prep), fast=True,
                          need_catalog=training)
    opener.begin()
    return opener, prep


def take_instance_lock(data_dir: Path) -> InstanceLock:
    """Hold ``<data_dir>/ireti-till.lock`` for the life of the process, or raise IT-504."""
    from ireti_till.adapters.instance_lock import InstanceLock

    lock = InstanceLock(data_dir)
    if not lock.acquire():
        pid = lock.owner_pid()
        who = f" (process {pid})" if pid else ""
        raise OperationsError(
            f"Ireti Till is already running on this data folder{who}. Only one till may use "
            "a data folder at a time.", code="IT-504")
    return lock


def _os_user() -> str:
    # Without staff sign-in (benchmarks, screen tests) the till shows the OS user.
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cashier"
