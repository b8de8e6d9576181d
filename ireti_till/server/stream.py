"""``GET /v1/stream``: one long-lived server-sent-events stream per till.

Authenticated with the till's bearer token like the sync endpoints. ``?reader=tmr_...``
registers the till's reader (its reader events are routed to it). Each event routed to the
till is sent as ``id: <seq>``, ``event: <type>``, ``data: <summary JSON>``; a reconnecting
till sends ``Last-Event-ID`` (or ``?after=``) and gets what it missed, in order. Without
either the stream starts at the newest event (history is not replayed to a fresh client).
A comment line every 15 s keeps proxies from closing an idle stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ireti_till.domain.errors import BackofficeError
from ireti_till.server import webhooks_store
from ireti_till.server.http import guarded, till_of
from ireti_till.server.webhooks_store import as_dict

KEEPALIVE_S = 15.0
BACKSTOP_S = 2.0  # re-read the database this often even without a notice (other processes)


class Hub:
    """Wakes the streams of a till when an event for it was stored (same process)."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def notify(self, till_id: str) -> None:
        event = self._events.get(till_id)
        if event is not None:
            event.set()

    async def wait(self, till_id: str, timeout: float) -> None:
        event = self._events.setdefault(till_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        event.clear()


def hub(app: Starlette) -> Hub:
    found: Hub | None = getattr(app.state, "stream_hub", None)
    if found is None:
        found = app.state.stream_hub = Hub()
    return found


def summary(event: dict[str, Any]) -> dict[str, Any]:
    """What a till needs from an event: ids, statuses, the reader action, the failure."""
    obj = as_dict(as_dict(event.get("data")).get("object"))
    out: dict[str, Any] = {"id": event.get("id"), "type": event.get("type"),
                           "created": event.get("created"), "object": obj.get("object"),
                           "object_id": obj.get("id"), "status": obj.get("status")}
    reader, pi, _till = webhooks_store.keys_of(event)
    out.update(reader=reader, payment_intent=pi)
    action = as_dict(obj.get("action"))
    if action:
        out.update(action_status=action.get("status"), failure_code=action.get("failure_code"),
                   failure_message=action.get("failure_message"))
    if obj.get("object") == "refund":
        meta = as_dict(obj.get("metadata"))
        out.update(amount=obj.get("amount"), currency=obj.get("currency"),
                   refund_id=meta.get("refund_id"), failure_reason=obj.get("failure_reason"))
    return out


def _start(request: Request) -> int | None:
    text = request.headers.get("last-event-id") or request.query_params.get("after")
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise BackofficeError("Last-Event-ID must be an event number.", code="IT-704")
    return int(text)


@guarded
async def follow(request: Request) -> Response:
    till_id, store_id = await till_of(request)
    engine = request.app.state.engine
    reader = request.query_params.get("reader")
    if reader is not None:
        if not reader.startswith("tmr_") or len(reader) > 255:
            raise BackofficeError("reader must be a Terminal reader id (tmr_...).",
                                  code="IT-704")
        await run_in_threadpool(webhooks_store.register_reader, engine, till_id, store_id,
                                 reader)
    after = _start(request)
    if after is None:
        after = await run_in_threadpool(webhooks_store.last_seq, engine, till_id)
    the_hub = hub(request.app)

    async def events() -> AsyncIterator[str]:
        last = after
        yield f"retry: 1000\nevent: hello\ndata: {json.dumps({'after': last})}\n\n"
        while True:
            rows = await run_in_threadpool(webhooks_store.events_after, engine, till_id, last)
            for seq, event in rows:
                last = seq
                yield (f"id: {seq}\nevent: {event.get('type')}\n"
                       f"data: {json.dumps(summary(event))}\n\n")
            if rows:
                continue
            if await request.is_disconnected():
                return
            waited = asyncio.get_running_loop().time()
            await the_hub.wait(till_id, BACKSTOP_S)
            if asyncio.get_running_loop().time() - waited >= BACKSTOP_S:
                yield ": keepalive\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def routes() -> list[Any]:
    return [Route("/v1/stream", follow)]
