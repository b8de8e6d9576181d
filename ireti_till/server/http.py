"""Shared request handling: size-capped JSON bodies, till bearer auth, error answers.

Every refusal is JSON ``{"error": {"code": "IT-7xx", "message": ...}}``; a database that
cannot be reached is 503 with ``Retry-After`` so tills keep queueing. Nothing secret (tokens,
codes, passwords, bodies) is logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import MAX_BODY_BYTES
from ireti_till.server import auth

log = logging.getLogger("ireti_till.server")
RETRY_AFTER_S = 5
STATUS = {"IT-701": 401, "IT-703": 403, "IT-704": 422, "IT-705": 413, "IT-706": 503,
          "IT-710": 404, "IT-711": 409, "IT-721": 403, "IT-740": 422,
          "IT-760": 400, "IT-761": 400, "IT-762": 413, "IT-763": 503, "IT-764": 400,
          "IT-765": 403}


def error(code: str, message: str, status: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_S)} if code == "IT-706" else None
    return JSONResponse({"error": {"code": code, "message": message}},
                        status_code=status or STATUS.get(code, 400), headers=headers)


def db_down() -> JSONResponse:
    return error("IT-706", "The back office cannot reach its database right now; nothing was "
                 "stored. The till keeps its records and tries again by itself.")


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BackofficeError(f"The request body is over {limit} bytes; send smaller batches.",
                              code="IT-705")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BackofficeError(f"The request body is over {limit} bytes; send smaller "
                                  "batches.", code="IT-705")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackofficeError("The request body is not valid JSON.", code="IT-704") from exc


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """Turn TillErrors and an unreachable database into clear JSON answers."""
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except BackofficeError as exc:
            log.info("refused %s %s: %s", request.method, request.url.path, exc.code)
            return error(exc.code, exc.message)
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, DBAPIError) and not exc.connection_invalidated \
                    and not isinstance(exc, OperationalError):
                raise
            log.warning("database unreachable: %s", type(exc.orig).__name__)
            return db_down()
    return wrapper


async def till_of(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer ") or len(header) > 200:
        raise BackofficeError("This till is not enrolled with the back office (no token).",
                              code="IT-701")
    engine: Engine = request.app.state.engine
    found = await run_in_threadpool(auth.till_for_token, engine, header[7:])
    if found is None:
        raise BackofficeError("The back office does not accept this till's token (revoked or "
                              "unknown). Enrol the till again with a new code.", code="IT-701")
    return found
