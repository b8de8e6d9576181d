"""Drive the simulated reader the way a customer would: approve, decline, insufficient
funds, expired card, customer cancels, reader times out.

This is the API behind training mode's "simulate" buttons and the tests. It works on a
running emulator in-process; over HTTP the same outcomes are reached with the real test
helper ``present_payment_method`` (card outcomes) and the emulator-only endpoint
``POST /_emulator/readers/{reader}/simulate`` with ``outcome=<name>`` (all outcomes).
"""

from __future__ import annotations

from typing import Any

from ireti_till.training import terminal
from ireti_till.training.cards import OUTCOME_CARDS, OUTCOMES
from ireti_till.training.store import RequestContext, Route, State, public
from ireti_till.training.wire import invalid

CANCEL_MESSAGE = "The customer canceled the payment on the reader."
TIMEOUT_MESSAGE = "The reader timed out waiting for the customer to present a card."


def simulate(state: State, reader_id: str, outcome: str,
             ctx: RequestContext | None = None) -> dict[str, Any]:
    """Apply ``outcome`` to the reader's waiting action; return the reader (public JSON)."""
    if outcome not in OUTCOMES:
        raise invalid(f"Unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}",
                      param="outcome")
    with state.lock:
        state.tick()
        reader = terminal._reader(state, reader_id)
        if outcome in OUTCOME_CARDS:
            terminal.present_card(state, reader, OUTCOME_CARDS[outcome], ctx)
        else:
            action = reader.get("action")
            if not action or action["status"] != "in_progress":
                raise invalid("This reader has no action waiting for the customer.")
            if outcome == "customer_cancels":
                terminal.fail_action(state, reader, "customer_canceled", CANCEL_MESSAGE, ctx)
            else:
                terminal.fail_action(state, reader, "reader_timeout", TIMEOUT_MESSAGE, ctx)
        return public(reader)


def simulate_route(state: State, ctx: RequestContext, data: dict[str, Any], reader: str) -> (
        dict[str, Any]):
    outcome = data.get("outcome")
    if not isinstance(outcome, str):
        raise invalid("Missing required param: outcome.", param="outcome")
    return simulate(state, reader, outcome, ctx)


def set_reader_status(state: State, reader_id: str, status: str) -> None:
    """Unplug (``offline``) or reconnect (``online``) a simulated reader."""
    if status not in ("online", "offline"):
        raise ValueError("status is online or offline")
    with state.lock:
        terminal._reader(state, reader_id)["status"] = status


class ReaderSimulator:
    """Bound to one emulator's state: ``sim.present(reader_id, "insufficient_funds")``."""

    outcomes = OUTCOMES

    def __init__(self, state: State) -> None:
        self._state = state

    def present(self, reader_id: str, outcome: str = "approve") -> dict[str, Any]:
        return simulate(self._state, reader_id, outcome)

    def set_status(self, reader_id: str, status: str) -> None:
        set_reader_status(self._state, reader_id, status)


def status_route(state: State, ctx: RequestContext, data: dict[str, Any], reader: str) -> (
        dict[str, Any]):
    status = data.get("status")
    if status not in ("online", "offline"):
        raise invalid("status must be online or offline", param="status")
    set_reader_status(state, reader, str(status))
    return public(terminal._reader(state, reader))


#: Emulator-only endpoints (not Stripe's): outside ``/v1`` so they can never be mistaken
#: for a real API call.
ROUTES: list[Route] = [
    ("POST", "/_emulator/readers/{reader}/simulate", simulate_route),
    ("POST", "/_emulator/readers/{reader}/status", status_route),
]
