"""Who may scrape ``/metrics``: a bearer scrape token made by an admin
(``ireti-till server metrics-token NAME``, stored hashed), or anyone on a loopback address
when the server was started with ``--metrics-loopback-open``.

Every scrape asks the database, so a replaced or revoked token is refused from the next
scrape on. Only when PostgreSQL cannot be asked is a token that was found valid within
``OUTAGE_GRACE_S`` let in (the scrape then says ``ireti_backoffice_database_up 0``, which is
what the monitoring needs to see); a token never seen valid gets 503 IT-706. Tokens are
never logged."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ireti_till.server import auth

log = logging.getLogger("ireti_till.server")
OUTAGE_GRACE_S = 3600.0
# (the app's engine, sha256 of a valid token) -> monotonic time it was last found valid
_known: dict[tuple[int, str], float] = {}
_lock = threading.Lock()


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _seen_lately(digest: tuple[int, str]) -> bool:
    with _lock:
        at = _known.get(digest)
        return at is not None and time.monotonic() - at < OUTAGE_GRACE_S


def _check(engine: Engine, token: str) -> bool | None:
    """True/False from the database; while it cannot be asked, True for a token it said was
    valid within ``OUTAGE_GRACE_S``, else None."""
    digest = (id(engine), auth.sha256(token))
    try:
        ok = auth.metrics_token_ok(engine, token)
    except SQLAlchemyError:
        return True if _seen_lately(digest) else None
    with _lock:
        if ok:
            _known[digest] = time.monotonic()
        else:
            _known.pop(digest, None)
    return ok


def _refused(message: str, status: int = 401) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'} if status == 401 else \
        {"Retry-After": "5"}
    return JSONResponse({"error": {"code": "IT-742" if status == 401 else "IT-706",
                                   "message": message}}, status_code=status, headers=headers)


async def refusal(request: Request) -> JSONResponse | None:
    """None when the request may scrape, else the answer to send (401 IT-742, or 503)."""
    if request.app.state.metrics_loopback_open and _loopback(
            request.client.host if request.client else None):
        return None
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer ") or not 10 <= len(header) <= 200:
        log.info("refused GET /metrics: IT-742 (no scrape token)")
        return _refused("/metrics needs a scrape token: make one with 'ireti-till server "
                        "metrics-token NAME' and give it to Prometheus (authorization: "
                        "credentials). (IT-742)")
    ok = await run_in_threadpool(_check, request.app.state.engine, header[7:])
    if ok is None:
        return _refused("The back office cannot check the scrape token: its database is "
                        "unreachable. (IT-706)", 503)
    if not ok:
        log.info("refused GET /metrics: IT-742 (unknown scrape token)")
        return _refused("This scrape token is not known to the back office (wrong, replaced "
                        "or revoked): make a new one with 'ireti-till server metrics-token "
                        "NAME'. (IT-742)")
    return None


__all__ = ["OUTAGE_GRACE_S", "refusal"]
