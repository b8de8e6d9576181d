"""Reader administration: locations, registering a reader, this till's reader, a test.

The chosen reader id and location id live in the ledger's ``payment_settings`` (they are
not secrets). Registration takes the code the reader shows (``simulated-wpe`` in
training). ``show_cart`` puts a cart on the reader's display: the admin screen's test and
the basket mirror while scanning (``ui/payments/reader_mirror.py``); ``clear_display``
takes it off again.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import (
    Address,
    CartDisplay,
    CartLine,
    LocationInfo,
    ReaderInfo,
)

READER_SETTING = "reader_id"
LOCATION_SETTING = "location_id"


class ReaderAdmin:
    def __init__(self, ctx: PaymentContext) -> None:
        self.ctx = ctx
        self._cached: str | None = None
        self._loaded = False

    # ---- this till's reader (read often: cached) --------------------------------------
    def current_reader(self) -> str | None:
        if not self._loaded:
            with self.ctx.uow() as u:
                self._cached = u.payments.get_setting(READER_SETTING)
            self._loaded = True
        return self._cached

    def choose_reader(self, reader_id: str, location_id: str | None = None) -> None:
        if not reader_id.startswith("tmr_"):
            raise InputError("That is not a Stripe reader id (tmr_…).", code="IT-380")
        with self.ctx.uow() as u:
            u.payments.set_setting(READER_SETTING, reader_id)
            if location_id:
                u.payments.set_setting(LOCATION_SETTING, location_id)
            u.commit()
        self._cached, self._loaded = reader_id, True

    def current_location(self) -> str | None:
        with self.ctx.uow() as u:
            return u.payments.get_setting(LOCATION_SETTING)

    # ---- Stripe side (network: call from a worker thread) -----------------------------
    def locations(self) -> tuple[LocationInfo, ...]:
        return self.ctx.gateway.list_locations()

    def create_location(self, display_name: str, address: Address) -> LocationInfo:
        if not display_name.strip():
            raise InputError("Give the location a name.", code="IT-381")
        return self.ctx.gateway.create_location(display_name.strip(), address,
                                                idempotency_key=f"location:{uuid4()}")

    def readers(self, location_id: str | None = None) -> tuple[ReaderInfo, ...]:
        return self.ctx.gateway.list_readers(location_id=location_id)

    def register(self, registration_code: str, location_id: str, label: str) -> ReaderInfo:
        code = registration_code.strip()
        if not code or len(code) > 64:
            raise InputError("Type the registration code shown on the reader.", code="IT-382")
        return self.ctx.gateway.register_reader(code, location_id, label=label.strip()[:60],
                                                idempotency_key=f"register:{uuid4()}")

    def status(self, reader_id: str | None = None) -> ReaderInfo | None:
        rid = reader_id or self.current_reader()
        return None if rid is None else self.ctx.gateway.retrieve_reader(rid)

    def show_cart(self, lines: Sequence[tuple[str, int, Money]], total: Money,
                  tax: Money | None = None, reader_id: str | None = None) -> ReaderInfo:
        """``lines``: (description, quantity, line total)."""
        rid = reader_id or self.current_reader()
        if rid is None:
            raise InputError("No card reader is chosen for this till.", code="IT-365")
        cart = CartDisplay(total.currency.lower(),
                           tuple(CartLine(d[:100], m.minor, q) for d, q, m in lines[:100]),
                           total.minor, None if tax is None else tax.minor)
        return self.ctx.gateway.set_reader_display(rid, cart,
                                                   idempotency_key=f"display:{uuid4()}")

    def clear_display(self, reader_id: str | None = None) -> bool:
        """Take the basket off the reader's screen: ``cancel_action``, but only when the
        reader's action is still our ``set_reader_display`` (never a payment). Call from the
        worker executor that also starts card payments, so no payment of this till can
        begin between the read and the cancel. True if a display was cleared."""
        rid = reader_id or self.current_reader()
        if rid is None:
            return False
        action = self.ctx.gateway.retrieve_reader(rid).action
        if action is None or action.type != "set_reader_display" or (
                action.status != "in_progress"):
            return False
        self.ctx.gateway.cancel_reader_action(rid, idempotency_key=f"display-clear:{uuid4()}")
        return True
