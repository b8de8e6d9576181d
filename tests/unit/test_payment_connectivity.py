"""Connectivity: card tender off with a reason, two failures to go offline, back at once."""

from __future__ import annotations

from typing import Any

from ireti_till.domain.payment_errors import (
    RateLimited,
    StripeAuthenticationError,
    StripeUnreachable,
)
from ireti_till.services.connectivity import ConnectivityMonitor
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import ReaderInfo
from tests.faults.support import StepClock


class FakeGateway:
    def __init__(self) -> None:
        self.answers: list[Any] = []

    def retrieve_reader(self, reader_id: str) -> ReaderInfo:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return ReaderInfo(reader_id, "Front", answer, "simulated_wisepos_e")

    def list_locations(self, limit: int = 100) -> tuple:
        return ()


def monitor(reader: str | None = "tmr_1") -> tuple[ConnectivityMonitor, FakeGateway]:
    gw = FakeGateway()
    ctx = PaymentContext(uow=None, gateway=gw, clock=StepClock(), till_id="T1")  # type: ignore[arg-type]
    return ConnectivityMonitor(ctx, lambda: reader), gw


def test_online_then_one_blip_then_offline_then_back() -> None:
    m, gw = monitor()
    gw.answers = ["online", StripeUnreachable(), StripeUnreachable(), "online"]
    state, came_back = m.check()
    assert state.card_enabled and came_back
    state, _ = m.check()
    assert state.card_enabled  # one lost packet does not grey the button
    state, _ = m.check()
    assert not state.card_enabled and state.code == "IT-342" and "cash" in (state.reason or "")
    state, came_back = m.check()
    assert state.card_enabled and came_back


def test_reader_offline_and_key_refused_and_rate_limit() -> None:
    m, gw = monitor()
    gw.answers = ["offline", StripeAuthenticationError(), RateLimited()]
    state, _ = m.check()
    assert state.stripe_online and not state.card_enabled and state.code == "IT-321"
    state, _ = m.check()
    assert not state.stripe_online and state.code == "IT-340"
    assert m.check()[0] == state  # a 429 says nothing about reachability


def test_no_reader_chosen() -> None:
    m, _ = monitor(reader=None)
    state, _ = m.check()
    assert state.stripe_online and not state.card_enabled and state.code == "IT-365"
