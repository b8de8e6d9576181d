"""Stripe's wire format: form-encoded nested keys in, JSON and Stripe's error shape out.

Requests carry ``a[b][0][c]=v`` keys (the SDK always writes list indexes); GET and DELETE
carry them in the query string. ``decode_form`` turns them into nested dicts and lists of
strings. ``ApiError`` is an error response in Stripe's shape:
``{"error": {"type", "code", "decline_code", "message", "param"}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class ApiError(Exception):
    """An error answered in Stripe's shape.

    ``saved`` is false for errors raised before the endpoint started executing (bad
    parameters): Stripe does not store those under an idempotency key.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        saved: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.headers = headers or {}
        self.saved = saved

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        for name in ("code", "param", "decline_code"):
            value = getattr(self, name)
            if value is not None:
                err[name] = value
        if self.code:
            err["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        err.update(self.extra)
        return {"error": err}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 for bad parameters (not saved under an idempotency key)."""
    return ApiError(400, message, param=param, code=code, saved=False)


def not_found(kind: str, ident: str, param: str = "id") -> ApiError:
    return ApiError(404, f"No such {kind}: '{ident}'", code="resource_missing", param=param,
                    saved=False)


def _insert(root: dict[str, Any], path: list[str], value: str, raw_key: str) -> None:
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if part == "":  # "a[]" appends
            part = str(sum(1 for k in node if k.isdigit()))
        if last:
            if isinstance(node.get(part), dict):
                raise invalid(f"Invalid value for {raw_key}: expected a hash", param=raw_key)
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise invalid(f"Invalid hash for {raw_key}", param=raw_key)
        node = child


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nested params from ``(key, value)`` pairs: ``metadata[sale]`` -> ``{"metadata": {...}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise invalid(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *_PART.findall(match.group(2))]
        _insert(root, path, value, key)
    result = _listify(root)
    assert isinstance(result, dict)
    return result


def parse_qs_pairs(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()
