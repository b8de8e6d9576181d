"""HTTP client to the back-office server (httpx), with the server's certificate pinned.

TLS trusts exactly the certificate whose SHA-256 fingerprint the admin gave at enrolment
(kept in the ledger's ``bo_state``; it is public). Plain HTTP is accepted only to a loopback
address. The till's token lives in the OS keyring and is never logged."""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import BatchResult, FeedItem

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def _unreachable(url: str, exc: Exception) -> BackofficeError:
    return BackofficeError(
        f"The back office at {url} cannot be reached ({type(exc).__name__}). The till keeps "
        "trading and sends its records when it is back.", code="IT-700")


def check_url(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise BackofficeError(f"{url!r} is not a back-office address (https://host:port).",
                              code="IT-708")
    if parts.scheme == "http":
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise BackofficeError("Plain http:// is allowed only on this computer (127.0.0.1); "
                                  "use https:// for a back office on another machine.",
                                  code="IT-708")
    return parts.scheme, host, parts.port or (443 if parts.scheme == "https" else 80)


def fingerprint(pem: str) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def normalise_fp(fp: str) -> str:
    return fp.replace(":", "").strip().lower()


def _context(cert_pem: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=cert_pem)
    ctx.check_hostname = False  # the pinned self-signed certificate is the identity
    return ctx


def fetch_pinned_cert(url: str, expected_fp: str) -> str | None:
    """The server's certificate, checked against the fingerprint the admin gave (https)."""
    scheme, host, port = check_url(url)
    if scheme == "http":
        return None
    try:
        pem = ssl.get_server_certificate((host, port), timeout=5)
    except OSError as exc:
        raise _unreachable(url, exc) from exc
    if fingerprint(pem) != normalise_fp(expected_fp):
        raise BackofficeError(
            "The back office's certificate does not match the fingerprint you were given. Do "
            "not enrol: check the address and the fingerprint with the admin.", code="IT-702")
    return pem


class BackofficeClient:
    """``services.backoffice_ports.BackofficeApi`` over HTTP(S)."""

    def __init__(self, url: str, token: str | None, cert_pem: str | None = None,
                 timeout: httpx.Timeout = TIMEOUT) -> None:
        scheme, _host, _port = check_url(url)
        if scheme == "https" and not cert_pem:
            raise BackofficeError("No pinned certificate for the back office: enrol the till "
                                  "again.", code="IT-702")
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        verify: Any = _context(cert_pem) if cert_pem else True
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout,
                                  verify=verify, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.ConnectError as exc:
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or \
                    "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise BackofficeError(
                    "The back office presented another certificate than the one pinned at "
                    "enrolment. Nothing was sent; ask the admin (the till may need to be "
                    "enrolled again).", code="IT-702") from exc
            raise _unreachable(self.url, exc) from exc
        except httpx.HTTPError as exc:
            raise _unreachable(self.url, exc) from exc
        if resp.status_code == 200:
            return resp.json()
        try:
            err = resp.json()["error"]
            code, message = str(err["code"]), str(err["message"])
        except (ValueError, KeyError, TypeError):
            code, message = "IT-700", f"The back office answered HTTP {resp.status_code}."
        raise BackofficeError(message, code=code)

    # --- the feed --------------------------------------------------------------------
    def high_water(self) -> int:
        return int(self._call("GET", "/v1/feed/state")["high_water"])

    def post_batch(self, items: list[FeedItem], sent_at: str, queue_depth: int) -> BatchResult:
        body = {"sent_at": sent_at, "queue_depth": queue_depth,
                "items": [it.to_wire() for it in items]}
        r = self._call("POST", "/v1/feed", json=body)
        return BatchResult(int(r["acked_through"]), int(r["high_water"]),
                           int(r.get("duplicates", 0)), int(r.get("flagged", 0)),
                           bool(r.get("renumber", False)))

    # --- catalog and cross-till refunds -------------------------------------------------
    def catalog(self, since: int) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/catalog", params={"since": since}))

    def find_sale(self, **query: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/sales/find", params=query))

    def reserve(self, refund_ref: str, sale_id: str, lines: dict[int, int],
                legs: dict[int, int] | None = None) -> dict[str, Any]:
        body = {"refund_ref": refund_ref, "sale_id": sale_id,
                "lines": [{"line_no": n, "quantity": q} for n, q in sorted(lines.items())],
                "legs": [{"tender_seq": n, "amount_minor": a}
                         for n, a in sorted((legs or {}).items())]}
        return dict(self._call("POST", "/v1/refunds/reserve", json=body))

    def settle(self, refund_ref: str, outcome: str) -> dict[str, Any]:
        return dict(self._call("POST", "/v1/refunds/settle",
                               json={"refund_ref": refund_ref, "outcome": outcome}))

    def put_alerts(self, revision: int, alerts: list[dict[str, str]]) -> dict[str, Any]:
        return dict(self._call("PUT", "/v1/alerts",
                               json={"revision": revision, "alerts": alerts}))

    def enrol(self, till_id: str, code: str) -> str:
        return str(self._call("POST", "/v1/enrol", json={"till_id": till_id,
                                                          "code": code})["token"])
