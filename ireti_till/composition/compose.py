"""``compose()``: the one function that builds a till, phase by phase.

1. **pre-flight** (``LedgerOpener.begin``, started by ``app.main`` before Qt): the ledger
   file is checked with the standard library on a helper thread; the configuration,
   ``[alerts]`` and the trading day's sections are parsed (stdlib) so a bad one refuses
   the start with its code.
2. **first screen**: the sale service and the main window; on a fast start they read the
   catalog through ``FastReads`` (``tricks`` 1), no SQLAlchemy needed.
3. **ledger**: on a fast start it opens once the window holds the focus
   (``LedgerOpener.window_shown``); otherwise it is open before ``compose`` returns.
4. **staff**: the sign-in screen, overrides and the audit trail (``ui.staff.wiring``, on
   ``sign_in_services``); the checkout is gated on the trading day
   (``composition.trading_day``), which is built after the first screen.
5. **operations** and 6. **payments**: start steps run once the window is shown
   (``Till.start_background``): the trading day's menus, then
   ``operations.attach_operations`` (ops, the trading day's jobs, card payments through
   ``payments.wire_payments``, refunds).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_alerts import load_alert_rules
from ireti_till.adapters.config_file import AppConfig, load_config
from ireti_till.adapters.paths import os_user
from ireti_till.adapters.sign_in_wiring import StaffPrep, sign_in_services
from ireti_till.composition.ledger import LedgerOpener, prepare_ledger
from ireti_till.composition.till import OpsTools, Till

if TYPE_CHECKING:
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.staff.attach import StaffUi


def compose(data_dir: Path, *, force_training: bool = False, cashier: str | None = None,
            seed_demo: bool = True, config: AppConfig | None = None,
            opener: LedgerOpener | None = None, staff: bool | None = None,
            staff_prep: StaffPrep | None = None, tools: OpsTools | None = None) -> Till:
    """The till for ``data_dir`` (raises ``TillError``). ``config``/``opener``/``staff_prep``
    come from ``app.main``, which starts them before Qt; by default they start here.
    ``staff`` (default: on unless a ``cashier`` is named, as benchmarks and screen tests
    do) puts the sign-in screen first; ``tools`` enables Help > Till health/Support bundle."""
    from ireti_till.adapters.catalog_wiring import importer
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.config_trading_day import read_trading_day
    from ireti_till.adapters.tax_rates_wiring import tax_book_for
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.main_window import MainWindow, ScreenContext
    from ireti_till.ui.staff.wiring import wire_staff

    config = config if config is not None else load_config(data_dir)
    load_alert_rules(data_dir)  # IT-571: a bad [alerts] rule stops the start (issue 16)
    # [shift]/[printer]/[email]: a ConfigError naming the key if bad
    day_settings = read_trading_day(config.path, config.store.currency)
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
    who = cashier or ("Not signed in" if with_staff else os_user())
    ctx = ScreenContext(store=config.store, training=training, cashier=who,
                        receipts_dir=data_dir / "receipts", beep=config.ui.beep,
                        import_catalog=importer(opener.uow_factory, config))
    window = MainWindow(sale_service(who), ctx)
    try:
        if reads is None:
            opener.result()  # phase 3 now: the ledger is open before anything is shown
        else:
            opener.when_shown(opener.start_now)  # phase 3 once the screen takes input
        if with_staff:  # phase 4
            staff_ui = wire_staff(window, data_dir, lambda failed: sign_in_services(
                opener, data_dir, config, training, staff_prep, fast=reads is not None,
                failed=failed), config.staff.overrides, sale_service,
                config.staff.idle_lock_minutes)
    except BaseException:
        opener.discard()
        window.deleteLater()
        raise
    till = Till(data_dir, config, training, opener, window.controller.service, window,
                staff_ui)
    if staff_ui is not None:
        from ireti_till.adapters.catalog_wiring import audited_importer
        from ireti_till.composition.trading_day import defer_trading_day
        from ireti_till.ui.catalog_wiring import admins_import

        admins_import(window, staff_ui, audited_importer(  # admins only, audited
            opener.uow_factory, config, staff_ui.services.audit.get, lambda: staff_ui.current))
        defer_trading_day(till, staff_ui, day_settings, now=reads is None)
        till.lifecycle.on_start(lambda: _operations(till, tools))  # phases 5 and 6
    for warning in config.warnings:
        window.messages.warn(warning)
    return till


def _operations(till: Till, tools: OpsTools | None) -> None:
    from ireti_till.composition.operations import attach_operations
    from ireti_till.composition.payments import wire_payments

    attach_operations(till, tools, wire_payments)


def fast_opener(data_dir: Path, config: AppConfig, training: bool) -> tuple[LedgerOpener,
                                                                            StaffPrep]:
    """Phase 1 for ``app.main``: the opener (pre-flight started) and the staff context
    it prepares on the ledger thread."""
    prep = StaffPrep(data_dir, config, training)
    opener = LedgerOpener(data_dir, prepare_ledger(config, training, then=prep), fast=True,
                          need_catalog=training)
    opener.begin()
    return opener, prep
