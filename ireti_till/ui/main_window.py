"""The till window: a thin shell that assembles the panels and hands keys to the controller.

Layout: scan bar, message strip and basket on the left; totals and the function-key pad
on the right; the status bar below. The central widget is a stack so sign-in (issue 5)
and refund pages can be added beside the sale page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from ireti_till.domain.settings import StoreSettings
from ireti_till.services.selling import SaleService
from ireti_till.ui.action_pad import ActionPad
from ireti_till.ui.basket_table import BasketTable
from ireti_till.ui.bridge import UiBridge
from ireti_till.ui.catalog_import_task import CatalogImporter, CatalogImportTask
from ireti_till.ui.messages import MessageStrip
from ireti_till.ui.sale_controller import SaleController, SaleScreenParts
from ireti_till.ui.scan_bar import ScanBar
from ireti_till.ui.status_bar import TillStatusBar
from ireti_till.ui.theme import name
from ireti_till.ui.totals_panel import TotalsPanel


@dataclass(frozen=True, slots=True)
class ScreenContext:
    store: StoreSettings
    training: bool
    cashier: str
    receipts_dir: Path
    import_catalog: CatalogImporter | None = None  # runs on a worker thread
    beep: bool = True
    on_close: Callable[[], None] | None = None


class MainWindow(QMainWindow):
    def __init__(self, service: SaleService, ctx: ScreenContext) -> None:
        super().__init__()
        name(self, "main_window")
        mode = "TRAINING" if ctx.training else "LIVE"
        self.setWindowTitle(f"Ireti Till — {ctx.store.store_name} — till {ctx.store.till_id}"
                            f" — {mode}")
        self.ctx = ctx
        self.bridge = UiBridge(self)
        self.scan = ScanBar()
        self.messages = MessageStrip()
        self.messages.beep_enabled = ctx.beep
        self.table = BasketTable()
        self.totals = TotalsPanel(ctx.store.currency)
        self.pad = ActionPad(self)
        self.status = TillStatusBar(ctx.training, ctx.cashier, self)
        self.status.connect_bridge(self.bridge)
        self.setStatusBar(self.status)

        left = QVBoxLayout()
        left.addWidget(self.scan)
        left.addWidget(self.messages)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.addWidget(self.totals)
        right.addStretch(1)
        right.addWidget(self.pad)
        self._right = right
        sale_page = QWidget()
        name(sale_page, "sale_page")
        row = QHBoxLayout(sale_page)
        row.setContentsMargins(12, 12, 12, 8)
        row.setSpacing(12)
        row.addLayout(left, 3)
        row.addLayout(right, 2)
        self.stack = QStackedWidget(self)
        name(self.stack, "main_stack")
        self.stack.addWidget(sale_page)
        self.sale_page = sale_page
        self.lock_screen: QWidget | None = None
        self.setCentralWidget(self.stack)

        self.controller = SaleController(
            service,
            SaleScreenParts(self, self.scan, self.table, self.totals, self.messages, self.pad),
            ctx.store, ctx.receipts_dir, self)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self.controller.escape)
        self.import_task = CatalogImportTask(ctx.import_catalog, self, self.messages,
                                             self.controller.restore_focus)
        self._build_menu()
        self.resize(1280, 720)
        self.controller.restore_focus()

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Till")
        name(menu, "menu_till")
        import_action = QAction("Import catalog…", self)
        import_action.setObjectName("action_import_catalog")
        import_action.setShortcut(QKeySequence("Ctrl+I"))
        import_action.setEnabled(self.ctx.import_catalog is not None)
        import_action.triggered.connect(self.import_task.choose_and_run)
        menu.addAction(import_action)
        menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setObjectName("action_quit")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        self.import_action = import_action

    # hooks for sign-in, lock and admin screens (issue 5) ------------------------------------
    def set_cashier(self, member: object, service: SaleService | None = None) -> None:
        """Show who is selling; with ``service``, switch to that cashier's (parked) basket."""
        self.status.set_cashier(str(getattr(member, "name", member)))
        if service is not None:
            self.controller.set_service(service)

    def add_side_panel(self, widget: QWidget) -> None:
        """A panel between the totals and the key pad (training: the printed receipt)."""
        stretch = self._right.itemAt(1)
        if stretch is not None and stretch.spacerItem() is not None:
            self._right.removeItem(stretch)  # the panel takes the free space instead
        self._right.insertWidget(1, widget, 1)

    def show_on_counter(self) -> None:
        """Show maximised over the whole screen; a till owns the counter PC's screen.

        Without a window manager (a kiosk session) ``showMaximized`` alone does nothing,
        so the window takes the screen's available area itself first."""
        screen = self.screen()
        if screen is not None:
            self.setGeometry(screen.availableGeometry())
        self.showMaximized()

    def show_panel(self, widget: QWidget) -> None:
        """Show another page (admin, lock) in place of the sale page; sale keys stop."""
        if self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        self.controller.set_enabled(False)
        self.stack.setCurrentWidget(widget)
        widget.setFocus()

    def show_sale_page(self) -> None:
        self.stack.setCurrentWidget(self.sale_page)
        self.controller.set_enabled(True)

    def set_lock_screen(self, widget: QWidget) -> None:
        self.lock_screen = widget

    def show_lock_screen(self, _member: object = None) -> None:
        if self.lock_screen is not None:
            self.show_panel(self.lock_screen)

    # keep the scan field focused ---------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.controller.restore_focus()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.import_task.stop()
        if self.ctx.on_close is not None:
            self.ctx.on_close()
        super().closeEvent(event)
