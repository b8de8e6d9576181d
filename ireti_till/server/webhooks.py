"""``POST /stripe/webhook``: Stripe's events, verified, stored once, relayed to tills.

Order of checks: size cap (413, IT-762) -> the signing secret is configured (503, IT-763;
Stripe retries) -> ``stripe.Webhook.construct_event`` with a 300 s tolerance (400: IT-760
forged or missing signature, IT-761 timestamp outside the tolerance, IT-764 not an event)
-> stored in PostgreSQL, keyed by event id, and routed in the same transaction -> 200.
A replayed id answers 200 ``{"replay": true}`` and changes nothing (Stripe stops retrying);
a database that is down answers 503 so Stripe delivers it again later. Unknown event types
are stored as ``ignored`` and acknowledged. The secret and bodies are never logged."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import stripe
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ireti_till.domain.errors import BackofficeError
from ireti_till.server import stream, webhooks_store
from ireti_till.server.http import guarded

log = logging.getLogger("ireti_till.server.webhooks")
ENV_SECRET = "IRETI_STRIPE_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
TOLERANCE_S = 300
MAX_BODY = 256 * 1024  # Stripe's events are a few KB; anything near this is not Stripe


def _secret(request: Request) -> str:
    secret = getattr(request.app.state, "webhook_secret", None) or os.environ.get(ENV_SECRET)
    if not secret:
        raise BackofficeError(
            f"Stripe webhooks are not configured on this back office: set {ENV_SECRET} to the "
            "endpoint's signing secret (whsec_...). Stripe retries the event for three days.",
            code="IT-763")
    return str(secret)


async def _body(request: Request) -> bytes:
    too_big = BackofficeError(f"The webhook body is over {MAX_BODY} bytes; refused.",
                              code="IT-762")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_big
    return bytes(body)


def verify(payload: bytes, sig_header: str, secret: str) -> dict[str, Any]:
    """The event as a plain dict, or a BackofficeError saying why it is refused."""
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, secret,
                                               tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError as exc:
        if "tolerance" in str(exc.user_message or exc):
            raise BackofficeError("The webhook's timestamp is more than 300 s old or ahead: "
                                  "refused (a replay, or this server's clock is wrong).",
                                  code="IT-761") from None
        raise BackofficeError("The webhook's Stripe-Signature does not match the signing "
                              "secret: refused.", code="IT-760") from None
    except ValueError:
        raise BackofficeError("The webhook body is not a Stripe event (JSON).",
                              code="IT-764") from None
    data = json.loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) \
            or not isinstance(data.get("type"), str) or not 0 < len(data["id"]) <= 255:
        raise BackofficeError("The webhook body is not a Stripe event (no id or type).",
                              code="IT-764")
    del event
    return data


@guarded
async def receive(request: Request) -> Response:
    payload = await _body(request)
    secret = _secret(request)
    event = verify(payload, request.headers.get("stripe-signature", ""), secret)
    stored = await run_in_threadpool(webhooks_store.store_event, request.app.state.engine,
                                     event)
    if stored.replay:
        log.info("webhook %s replayed: already stored", event["id"])
    else:
        log.info("webhook %s %s: %s", event["id"], event["type"], stored.status)
        if stored.till_id:
            stream.hub(request.app).notify(stored.till_id)
    return JSONResponse({"received": True, "replay": stored.replay, "status": stored.status})


def routes() -> list[Any]:
    return [Route("/stripe/webhook", receive, methods=["POST"])]
