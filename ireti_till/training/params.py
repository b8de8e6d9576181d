"""Typed reading of decoded form parameters, failing the way Stripe fails.

Stripe rejects unknown parameters (``parameter_unknown``), missing ones
(``parameter_missing``) and malformed integers (``parameter_invalid_integer``) with a 400
that names the parameter; so does this reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ireti_till.training.wire import invalid

MAX_AMOUNT = 99_999_999


class Params:
    def __init__(self, data: dict[str, Any], allowed: Iterable[str]) -> None:
        allowed_set = {*allowed, "expand"}
        for name in data:
            if name not in allowed_set:
                raise invalid(f"Received unknown parameter: {name}", param=name,
                              code="parameter_unknown")
        self.data = data

    def has(self, name: str) -> bool:
        return name in self.data

    def str_(self, name: str, *, required: bool = False, choices: Iterable[str] | None = None,
             max_len: int = 5000) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise invalid(f"Missing required param: {name}.", param=name,
                              code="parameter_missing")
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {name}", param=name)
        if len(value) > max_len:
            raise invalid(f"{name} is too long (maximum {max_len} characters)", param=name)
        options = tuple(choices) if choices is not None else None
        if options is not None and value not in options:
            raise invalid(f"Invalid {name}: must be one of {', '.join(options)}", param=name)
        return value

    def int_(self, name: str, *, required: bool = False, minimum: int = 0,
             maximum: int = MAX_AMOUNT) -> int | None:
        raw = self.data.get(name)
        if raw is None or raw == "":
            if required:
                raise invalid(f"Missing required param: {name}.", param=name,
                              code="parameter_missing")
            return None
        if not isinstance(raw, str) or not raw.lstrip("-").isdigit():
            raise invalid(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
        value = int(raw)
        if value < minimum:
            raise invalid(f"This value must be greater than or equal to {minimum}.", param=name)
        if value > maximum:
            raise invalid(f"This value must be less than or equal to {maximum}.", param=name)
        return value

    def bool_(self, name: str, default: bool = False) -> bool:
        raw = self.data.get(name)
        if raw is None or raw == "":
            return default
        if raw not in ("true", "false"):
            raise invalid(f"Invalid boolean: {raw}", param=name)
        return bool(raw == "true")

    def dict_(self, name: str) -> dict[str, Any]:
        raw = self.data.get(name)
        if raw is None or raw == "":
            return {}
        if not isinstance(raw, dict):
            raise invalid(f"Invalid object: {name}", param=name)
        return raw

    def list_(self, name: str) -> list[Any]:
        raw = self.data.get(name)
        if raw is None or raw == "":
            return []
        if not isinstance(raw, list):
            raise invalid(f"Invalid array: {name}", param=name)
        return raw

    def metadata(self, name: str = "metadata") -> dict[str, str] | None:
        """Metadata to merge; a value of ``""`` deletes that key. ``None`` if absent."""
        if name not in self.data:
            return None
        raw = self.data[name]
        if raw == "":
            return {}
        if not isinstance(raw, dict) or len(raw) > 50:
            raise invalid("Invalid metadata: at most 50 string keys", param=name)
        for key, value in raw.items():
            if not isinstance(value, str) or len(key) > 40 or len(value) > 500:
                raise invalid(f"Invalid metadata[{key}]: keys up to 40 characters, values "
                              "up to 500", param=f"{name}[{key}]")
        return dict(raw)

    def expand(self) -> set[str]:
        return {str(v) for v in self.list_("expand")}


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    if update is None:
        return current
    if update == {}:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def created_filter(p: Params, name: str = "created") -> tuple[int | None, int | None, int | None,
                                                               int | None]:
    """``created`` as an integer or a ``{gt, gte, lt, lte}`` range -> (gt, gte, lt, lte)."""
    raw = p.data.get(name)
    if raw is None or raw == "":
        return (None, None, None, None)
    big = 2**40
    if isinstance(raw, str):
        exact = Params({name: raw}, [name]).int_(name, maximum=big)
        return (None, exact, None, exact)
    if not isinstance(raw, dict):
        raise invalid(f"Invalid {name}", param=name)
    sub = Params(raw, ["gt", "gte", "lt", "lte"])
    return (sub.int_("gt", maximum=big), sub.int_("gte", maximum=big),
            sub.int_("lt", maximum=big), sub.int_("lte", maximum=big))
