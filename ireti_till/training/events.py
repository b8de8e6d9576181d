"""Events: one per state change, newest first, filtered by ``type`` (``*`` wildcard),
``types[]``, ``created``; paged with ``starting_after``/``ending_before``."""

from __future__ import annotations

import fnmatch
from typing import Any

from ireti_till.training.params import Params
from ireti_till.training.store import RequestContext, Route, State, list_page, public
from ireti_till.training.wire import invalid, not_found


def list_(state: State, ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data, ["type", "types", "created", "delivery_success", "ending_before", "limit",
                      "starting_after"])
    one, many = p.str_("type"), [str(t) for t in p.list_("types")]
    if one and many:
        raise invalid("You may pass either type or types, but not both.", param="types")
    if len(many) > 20:
        raise invalid("types may hold at most 20 event types", param="types")
    wanted = [one] if one else many
    items = [e for e in state.events
             if not wanted or any(fnmatch.fnmatchcase(e["type"], w) for w in wanted)]
    delivered = p.bool_("delivery_success") if p.has("delivery_success") else None
    if delivered is not None:  # only events a webhook endpoint was attempted for
        items = [e for e in items if e.get("_delivered") is delivered]
    return list_page(items, p, "/v1/events")


def retrieve(state: State, ctx: RequestContext, data: dict[str, Any], id: str) -> (
        dict[str, Any]):
    Params(data, [])
    for event in state.events:
        if event["id"] == id:
            return public(event)
    raise not_found("event", id)


ROUTES: list[Route] = [
    ("GET", "/v1/events", list_),
    ("GET", "/v1/events/{id}", retrieve),
]
