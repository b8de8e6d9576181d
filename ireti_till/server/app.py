"""The back office's ASGI app (Starlette): the tills' API, health, metrics and the web page.

Room is kept for Stripe webhooks (``/stripe/webhook``, issue 15) and a per-till event stream
(``/v1/events``): both will be routes added to ``ROUTES`` by their own module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import parse_batch
from ireti_till.server import (
    alerts,
    auth,
    catalog,
    db,
    ingest,
    metrics,
    metrics_auth,
    refunds,
    stream,
    web,
    webhooks,
)
from ireti_till.server.http import db_down, guarded, read_json, till_of


@guarded
async def enrol(request: Request) -> Response:
    body = await read_json(request, 4096)
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str)
                                             for k in ("till_id", "code")):
        raise BackofficeError("Enrolment needs till_id and code.", code="IT-704")
    token = await run_in_threadpool(auth.redeem, _engine(request), body["till_id"], body["code"])
    return JSONResponse({"token": token, "till_id": body["till_id"]})


@guarded
async def feed_state(request: Request) -> Response:
    till_id, store_id = await till_of(request)
    hw = await run_in_threadpool(ingest.high_water, _engine(request), till_id)
    return JSONResponse({"till_id": till_id, "store_id": store_id, "high_water": hw})


@guarded
async def feed_post(request: Request) -> Response:
    till_id, _store = await till_of(request)
    body = await read_json(request)
    items = parse_batch(body)
    sent_at = body.get("sent_at") if isinstance(body.get("sent_at"), str) else None
    depth = body.get("queue_depth")
    depth = depth if isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0 else 0
    result = await run_in_threadpool(ingest.ingest, _engine(request), till_id, items,
                                     sent_at=sent_at, queue_depth=depth)
    return JSONResponse(result)


@guarded
async def catalog_get(request: Request) -> Response:
    _till, store_id = await till_of(request)
    since = request.query_params.get("since", "0")
    if not since.isdigit():
        raise BackofficeError("since must be a catalog version number.", code="IT-704")
    data = await run_in_threadpool(catalog.changes_since, _engine(request), store_id, int(since))
    return JSONResponse(data)


@guarded
async def sale_find(request: Request) -> Response:
    _till, store_id = await till_of(request)
    q = request.query_params
    data = await run_in_threadpool(refunds.find_sale, _engine(request), store_id,
                                   q.get("sale_id"), q.get("till"), q.get("receipt_no"))
    return JSONResponse(data)


@guarded
async def reserve(request: Request) -> Response:
    till_id, store_id = await till_of(request)
    body = await read_json(request, 64_000)
    data = await run_in_threadpool(refunds.reserve, _engine(request), store_id, till_id, body)
    return JSONResponse(data)


@guarded
async def settle(request: Request) -> Response:
    till_id, store_id = await till_of(request)
    body = await read_json(request, 4096)
    data = await run_in_threadpool(refunds.settle, _engine(request), store_id, till_id, body)
    return JSONResponse(data)


@guarded
async def alerts_put(request: Request) -> Response:
    till_id, _store = await till_of(request)
    revision, rows = alerts.parse(await read_json(request, alerts.MAX_BODY))
    data = await run_in_threadpool(alerts.replace, _engine(request), till_id, revision, rows)
    return JSONResponse(data)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    ready, reason = await run_in_threadpool(db.readiness, _engine(request))
    if not ready:
        return db_down() if "unreachable" in reason else JSONResponse(
            {"status": "not ready", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics_get(request: Request) -> Response:
    refused = await metrics_auth.refusal(request)
    if refused is not None:
        return refused
    try:
        text = await run_in_threadpool(metrics.render, _engine(request))
    except Exception:  # noqa: BLE001 - metrics must answer even with the database down
        text = metrics.render_down()
    return PlainTextResponse(text, media_type=metrics.CONTENT_TYPE)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


ROUTES: list[Any] = [
    Route("/v1/enrol", enrol, methods=["POST"]),
    Route("/v1/feed/state", feed_state),
    Route("/v1/feed", feed_post, methods=["POST"]),
    Route("/v1/catalog", catalog_get),
    Route("/v1/sales/find", sale_find),
    Route("/v1/refunds/reserve", reserve, methods=["POST"]),
    Route("/v1/refunds/settle", settle, methods=["POST"]),
    Route("/v1/alerts", alerts_put, methods=["PUT"]),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics_get),
]


def create_app(engine: Engine, *, secure_cookies: bool = True,
               metrics_loopback_open: bool = False) -> Starlette:
    """``metrics_loopback_open``: ``/metrics`` answers loopback clients without a token."""
    app = Starlette(routes=ROUTES + webhooks.routes() + stream.routes() + web.routes())
    app.state.engine = engine
    app.state.secure_cookies = secure_cookies
    app.state.metrics_loopback_open = metrics_loopback_open
    return app
