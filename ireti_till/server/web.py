"""The back-office web page: sign-in, the fleet board, product and price edits.

Server-rendered with Jinja2 (autoescaped), no build step. A session is a random cookie
(``HttpOnly``, ``SameSite=Strict``, ``Secure`` when served over TLS) whose SHA-256 is stored;
every form carries the session's CSRF token (the sign-in form a double-submit token)."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine, delete, insert, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ireti_till.domain.errors import BackofficeError
from ireti_till.server import auth, catalog, dashboard
from ireti_till.server.schema import sessions, stores, users

COOKIE, PRE = "bo_session", "bo_pre"
MAX_FAILURES, LOCK_S = 5, 300
_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


def _locked_out(name: str, failed: bool = False) -> bool:
    """Five wrong passwords for a name within five minutes lock it for five minutes."""
    now = time.monotonic()
    with _failures_lock:
        recent = [t for t in _failures.get(name, []) if now - t < LOCK_S]
        if failed:
            recent.append(now)
        _failures[name] = recent
        return len(recent) >= MAX_FAILURES
SESSION_TTL = timedelta(hours=12)
_env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]))


def _page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    resp = HTMLResponse(_env.get_template(name).render(**ctx), status_code=status)
    resp.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _cookie(request: Request, resp: Response, name: str, value: str, max_age: int) -> None:
    resp.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                    secure=bool(request.app.state.secure_cookies), path="/")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _session(engine: Engine, cookie: str | None) -> tuple[str, str] | None:
    if not cookie or len(cookie) > 100:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(sessions.c.user_name, sessions.c.csrf).where(
            sessions.c.id_hash == auth.sha256(cookie),
            sessions.c.expires_at > datetime.now(UTC))).first()
    return None if row is None else (str(row.user_name), str(row.csrf))


def _sign_in(engine: Engine, name: str, password: str) -> str | None:
    with engine.begin() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.name == name)
                              ).scalar_one_or_none()
        if stored is None:
            auth.hash_password(password)  # the same work: no user enumeration by timing
            return None
        if not auth.check_password(password, stored):
            return None
        sid = secrets.token_urlsafe(32)
        conn.execute(delete(sessions).where(sessions.c.expires_at < datetime.now(UTC)))
        conn.execute(insert(sessions).values(id_hash=auth.sha256(sid), user_name=name,
                                             csrf=secrets.token_urlsafe(24),
                                             expires_at=datetime.now(UTC) + SESSION_TTL))
    return sid


async def login_form(request: Request, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    resp = _page("login.html", 401 if error else 200, csrf=token, error=error)
    _cookie(request, resp, PRE, token, 1800)
    return resp


async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    token, cookie = str(form.get("csrf", "")), request.cookies.get(PRE, "")
    if not cookie or not hmac.compare_digest(token, cookie):
        return await login_form(request, "The form expired; sign in again. (IT-721)")
    name = str(form.get("name", ""))[:64]
    if _locked_out(name):
        return await login_form(request, "Too many wrong passwords for this name: wait five "
                                "minutes, or ask an admin to reset it. (IT-720)")
    sid = await run_in_threadpool(_sign_in, _engine(request), name,
                                  str(form.get("password", ""))[:200])
    if sid is None:
        _locked_out(name, failed=True)
        return await login_form(request, "Wrong name or password. (IT-720)")
    resp = RedirectResponse("/", status_code=303)
    _cookie(request, resp, COOKIE, sid, int(SESSION_TTL.total_seconds()))
    resp.delete_cookie(PRE, path="/")
    return resp


async def _checked(request: Request) -> tuple[str, str, dict[str, str]] | Response:
    """(user, csrf, form) for a signed-in POST with a valid CSRF token, else a response."""
    sess = await run_in_threadpool(_session, _engine(request), request.cookies.get(COOKIE))
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form(max_files=0, max_fields=20, max_part_size=4096)
    if not hmac.compare_digest(str(form.get("csrf", "")), sess[1]):
        return _page("error.html", 403, message="The form's security token did not match; "
                     "reload the page and try again. (IT-721)")
    return sess[0], sess[1], {k: str(v) for k, v in form.items()}


async def logout(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    cookie = request.cookies.get(COOKIE, "")

    def drop() -> None:
        with _engine(request).begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == auth.sha256(cookie)))
    await run_in_threadpool(drop)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


async def home(request: Request) -> Response:
    sess = await run_in_threadpool(_session, _engine(request), request.cookies.get(COOKIE))
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    board = await run_in_threadpool(dashboard.board, _engine(request))
    return _page("board.html", user=sess[0], csrf=sess[1], board=board,
                 now=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def _store_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(s) for s in conn.execute(select(stores.c.id).order_by(stores.c.id)).scalars()]


async def products_page(request: Request, message: str | None = None,
                        status: int = 200) -> Response:
    sess = await run_in_threadpool(_session, _engine(request), request.cookies.get(COOKIE))
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    ids = await run_in_threadpool(_store_ids, _engine(request))
    store = request.query_params.get("store") or (ids[0] if ids else "")
    rows = await run_in_threadpool(catalog.list_products, _engine(request), store)
    return _page("products.html", status, user=sess[0], csrf=sess[1], stores=ids, store=store,
                 products=rows, message=message)


async def product_save(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    user, _csrf, form = checked
    store = form.get("store", "")
    try:
        price = form.get("price", "").strip()
        if not price.isdigit():
            raise BackofficeError("Type the price in minor units (cents), e.g. 250.",
                                  code="IT-730")
        await run_in_threadpool(catalog.upsert_product, _engine(request), store, {
            "sku": form.get("sku", "").strip().upper(), "name": form.get("name", "").strip(),
            "unit_price_minor": int(price), "currency": form.get("currency", "").strip(),
            "tax_code": form.get("tax_code", "").strip(), "gtin": form.get("gtin") or None,
            "active": form.get("active") == "on"}, f"web:{user}")
    except BackofficeError as exc:
        request.scope["query_string"] = f"store={store}".encode()
        return await products_page(request, str(exc), 422)
    return RedirectResponse(f"/products?store={store}", status_code=303)


def routes() -> list[Any]:
    return [Route("/", home), Route("/login", login_form, methods=["GET"]),
            Route("/login", login, methods=["POST"]), Route("/logout", logout, methods=["POST"]),
            Route("/products", products_page, methods=["GET"]),
            Route("/products", product_save, methods=["POST"])]
