"""Terminal Locations and Readers, with the reader ``action`` state machine.

``process_payment_intent`` puts an ``in_progress`` action on an online, idle reader.
The card is "tapped" by the test helper ``present_payment_method`` (or by
``simulate.ReaderSimulator``): the issuer's answer moves the PaymentIntent and sets the
action to ``succeeded`` or ``failed``. A slow reader (fault plan) keeps the intent in
``processing`` for a while of emulator clock before answering.
"""

from __future__ import annotations

from typing import Any

from ireti_till.training import payment_intents as pis
from ireti_till.training.cards import DEFAULT_CARD, lookup
from ireti_till.training.params import Params, merge_metadata
from ireti_till.training.store import RequestContext, Route, State, list_page, public
from ireti_till.training.wire import ApiError, invalid, not_found

DEVICES = {"simulated-wpe": ("simulated_wisepos_e", "WSC513"),
           "simulated-s700": ("simulated_stripe_s700", "STRM26")}


def reader_error(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(400, message, code=code, extra=extra or None)


def _location(state: State, location: str) -> dict[str, Any]:
    obj = state.locations.get(location)
    if obj is None:
        raise not_found("terminal.location", location, param="location")
    return obj


def create_location(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["display_name", "address", "metadata", "configuration_overrides"])
    address = Params(p.dict_("address"), ["line1", "line2", "city", "state", "postal_code",
                                          "country"])
    country = address.str_("country", required=True, max_len=2)
    loc = state.stamp({
        "id": state.new_id("tml_"), "object": "terminal.location",
        "address": {k: address.str_(k) for k in ("city", "line1", "line2", "postal_code",
                                                   "state")} | {"country": country},
        "display_name": p.str_("display_name", required=True), "livemode": False,
        "metadata": merge_metadata({}, p.metadata()),
    }, created=False)
    state.locations[loc["id"]] = loc
    return public(loc)


def list_locations(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["ending_before", "limit", "starting_after"])
    return list_page(state.locations.values(), p, "/v1/terminal/locations")


def retrieve_location(state: State, ctx: RequestContext, data: dict[str, Any],
                      location: str) -> dict[str, Any]:
    Params(data, [])
    return public(_location(state, location))


def delete_location(state: State, ctx: RequestContext, data: dict[str, Any],
                    location: str) -> dict[str, Any]:
    _location(state, location)
    del state.locations[location]
    return {"id": location, "object": "terminal.location", "deleted": True}


def _reader(state: State, reader: str) -> dict[str, Any]:
    obj = state.readers.get(reader)
    if obj is None:
        raise not_found("terminal.reader", reader, param="reader")
    return obj


def register_reader(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["registration_code", "label", "location", "metadata"])
    code = p.str_("registration_code", required=True) or ""
    if code not in DEVICES:
        raise invalid("The registration code is invalid or has expired. Simulated readers "
                      "use 'simulated-wpe' or 'simulated-s700'.", param="registration_code")
    location = p.str_("location", required=True) or ""
    _location(state, location)
    device, serial = DEVICES[code]
    reader = state.stamp({
        "id": state.new_id("tmr_"), "object": "terminal.reader", "action": None,
        "device_sw_version": "2.37.2.0", "device_type": device, "ip_address": "127.0.0.1",
        "label": p.str_("label") or device, "livemode": False, "location": location,
        "metadata": merge_metadata({}, p.metadata()),
        "serial_number": f"{serial}-{state.new_id('', 8).upper()}", "status": "online",
    }, created=False)
    state.readers[reader["id"]] = reader
    return public(reader)


def list_readers(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["device_type", "location", "serial_number", "status", "ending_before",
                      "limit", "starting_after"])
    filters = {k: p.str_(k) for k in ("device_type", "location", "serial_number", "status")}
    items = [r for r in state.readers.values()
             if all(v is None or r.get(k) == v for k, v in filters.items())]
    return list_page(items, p, "/v1/terminal/readers")


def retrieve_reader(state: State, ctx: RequestContext, data: dict[str, Any], reader: str) -> (
        dict[str, Any]):
    Params(data, [])
    return public(_reader(state, reader))


def _ready(state: State, reader: dict[str, Any], fault: str | None) -> None:
    """Offline and busy checks that every reader command makes; fault plan included."""
    if reader["status"] == "offline" or fault == "offline":
        raise reader_error("terminal_reader_offline", "Reader is currently offline, please "
                           "ensure the reader is powered on and connected to the internet "
                           "before retrying your request.")
    action = reader.get("action")
    if fault == "busy" or (action and action["status"] == "in_progress"):
        raise reader_error("terminal_reader_busy", "Reader is currently busy processing "
                           "another request. Please reference the integration guide for "
                           "details on how to handle this error.")
    if fault == "timeout":
        raise reader_error("terminal_reader_timeout", "There was a timeout when sending this "
                           "command to the reader.")


def process_payment_intent(state: State, ctx: RequestContext, data: dict[str, Any],
                           reader: str) -> dict[str, Any]:
    p = Params(data, ["payment_intent", "process_config"])
    Params(p.dict_("process_config"), ["skip_tipping", "tipping", "enable_customer_cancellation",
                                        "return_url", "allow_redisplay"])
    obj = _reader(state, reader)
    intent_id = p.str_("payment_intent", required=True) or ""
    pi = pis.get_intent(state, intent_id)
    fault = state.reader_fault(obj["id"])
    _ready(state, obj, None if fault == "timeout_false_negative" else fault)
    if pi["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise reader_error("intent_invalid_state", f"PaymentIntent {pi['id']} has status "
                           f"{pi['status']}; it must be requires_payment_method to be "
                           "processed on a reader.")
    if "card_present" not in pi["payment_method_types"]:
        raise invalid("This PaymentIntent does not accept card_present payments.",
                      param="payment_intent")
    obj["action"] = {"type": "process_payment_intent", "status": "in_progress",
                     "failure_code": None, "failure_message": None,
                     "process_payment_intent": {"payment_intent": pi["id"]}}
    state.emit("terminal.reader.action_updated", obj, ctx)
    if fault == "timeout_false_negative":  # the command reached the reader; we say it did not
        raise reader_error("terminal_reader_timeout", "There was a timeout when sending this "
                           "command to the reader.")
    return public(obj)


def set_reader_display(state: State, ctx: RequestContext, data: dict[str, Any],
                       reader: str) -> dict[str, Any]:
    p = Params(data, ["type", "cart"])
    p.str_("type", required=True, choices=("cart",))
    cart = Params(p.dict_("cart"), ["currency", "line_items", "tax", "total"])
    cart.str_("currency", required=True)
    cart.int_("total", required=True)
    lines = []
    for i, raw in enumerate(cart.list_("line_items")):
        line = Params(raw if isinstance(raw, dict) else {}, ["amount", "description", "quantity"])
        lines.append({"amount": line.int_("amount", required=True),
                      "description": line.str_("description", required=True),
                      "quantity": line.int_("quantity", required=True, minimum=1)})
        assert i < 100
    obj = _reader(state, reader)
    _ready(state, obj, state.reader_fault(obj["id"]))
    obj["action"] = {"type": "set_reader_display", "status": "succeeded", "failure_code": None,
                     "failure_message": None,
                     "set_reader_display": {"type": "cart", "cart": {
                         "currency": cart.str_("currency"), "line_items": lines,
                         "tax": cart.int_("tax"), "total": cart.int_("total")}}}
    state.emit("terminal.reader.action_succeeded", obj, ctx)
    return public(obj)


def cancel_action(state: State, ctx: RequestContext, data: dict[str, Any], reader: str) -> (
        dict[str, Any]):
    Params(data, [])
    obj = _reader(state, reader)
    if obj["status"] == "offline" or state.reader_fault(obj["id"]) == "offline":
        raise reader_error("terminal_reader_offline", "Reader is currently offline.")
    action = obj.get("action")
    if not action or action["status"] != "in_progress":
        raise invalid("This reader has no action in progress to cancel.")
    fail_action(state, obj, "canceled", "The action was canceled.", ctx)
    return public(obj)


def fail_action(state: State, reader: dict[str, Any], code: str, message: str,
                ctx: RequestContext | None) -> None:
    action = reader["action"]
    action.update(status="failed", failure_code=code, failure_message=message)
    pi_id = action.get("process_payment_intent", {}).get("payment_intent")
    pi = state.intents.get(pi_id) if pi_id else None
    if pi is not None and pi["status"] == "processing":
        pi["status"] = "requires_payment_method"
    state.emit("terminal.reader.action_failed", reader, ctx)


def present_card(state: State, reader: dict[str, Any], number: str,
                 ctx: RequestContext | None) -> None:
    """The customer taps ``number``; the issuer answers now or after a slow-reader delay."""
    action = reader.get("action")
    if not action or action["status"] != "in_progress" or action["type"] != (
            "process_payment_intent"):
        raise invalid("This reader has no process_payment_intent action waiting for a card.")
    card = lookup(number)
    if card is None:
        raise invalid(f"Unknown test card number {number}.", param="card_present[number]")
    pi = state.intents[action["process_payment_intent"]["payment_intent"]]
    pis.start_processing(state, pi, ctx)

    def answer() -> None:
        if pi["status"] != "processing" or action["status"] != "in_progress":
            return
        pis.settle_card(state, pi, card, ctx)
        if card.approves:
            action["status"] = "succeeded"
            state.emit("terminal.reader.action_succeeded", reader, ctx)
        else:
            fail_action(state, reader, "card_declined", card.message, ctx)

    delay = state.reader_delay()
    if delay > 0:
        state.schedule(delay, answer)
    else:
        answer()


def present_payment_method(state: State, ctx: RequestContext, data: dict[str, Any],
                           reader: str) -> dict[str, Any]:
    p = Params(data, ["amount_tip", "card_present", "interac_present", "type", "card"])
    p.str_("type", choices=("card_present", "interac_present", "card"))
    card = Params(p.dict_("card_present") or p.dict_("card") or p.dict_("interac_present"),
                  ["number", "cvc", "exp_month", "exp_year"])
    obj = _reader(state, reader)
    present_card(state, obj, card.str_("number") or DEFAULT_CARD, ctx)
    return public(obj)


ROUTES: list[Route] = [
    ("POST", "/v1/terminal/locations", create_location),
    ("GET", "/v1/terminal/locations", list_locations),
    ("GET", "/v1/terminal/locations/{location}", retrieve_location),
    ("DELETE", "/v1/terminal/locations/{location}", delete_location),
    ("POST", "/v1/terminal/readers", register_reader),
    ("GET", "/v1/terminal/readers", list_readers),
    ("GET", "/v1/terminal/readers/{reader}", retrieve_reader),
    ("POST", "/v1/terminal/readers/{reader}/process_payment_intent", process_payment_intent),
    ("POST", "/v1/terminal/readers/{reader}/set_reader_display", set_reader_display),
    ("POST", "/v1/terminal/readers/{reader}/cancel_action", cancel_action),
    ("POST", "/v1/test_helpers/terminal/readers/{reader}/present_payment_method",
     present_payment_method),
]
