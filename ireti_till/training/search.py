"""Stripe's search query language, the part a till uses to find its own payments:
``metadata['sale']:'s-1' AND status:'requires_capture' AND created>1690000000``.
Clauses joined by ``AND`` or by ``OR`` (not mixed, as Stripe requires); ``-`` negates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ireti_till.training.wire import invalid

_CLAUSE = re.compile(
    r"""^(?P<neg>-)?(?P<field>metadata\[['"](?P<key>[^'"]+)['"]\]|[a-z_]+)
        (?P<op>:|>=|<=|>|<)(?P<value>'[^']*'|"[^"]*"|-?\d+)$""",
    re.VERBOSE,
)
Predicate = Callable[[dict[str, Any]], bool]


def _clause(text: str) -> Predicate:
    match = _CLAUSE.match(text.strip())
    if match is None:
        raise invalid(f"Invalid search query clause: {text.strip()!r}", param="query")
    field, key, op = match["field"], match["key"], match["op"]
    raw = match["value"]
    value: Any = raw[1:-1] if raw[0] in "'\"" else int(raw)

    def get(obj: dict[str, Any]) -> Any:
        return obj.get("metadata", {}).get(key) if key else obj.get(field)

    def test(obj: dict[str, Any]) -> bool:
        actual = get(obj)
        if op == ":":
            return str(actual) == str(value) if actual is not None else False
        if actual is None or not isinstance(value, int):
            return False
        return bool({">": actual > value, "<": actual < value, ">=": actual >= value,
                     "<=": actual <= value}[op])

    if match["neg"]:
        return lambda obj: not test(obj)
    return test


def compile_query(query: str) -> Predicate:
    if not query.strip():
        raise invalid("Missing required param: query.", param="query", code="parameter_missing")
    has_and, has_or = " AND " in query, " OR " in query
    if has_and and has_or:
        raise invalid("Search queries cannot mix AND and OR", param="query")
    parts = [_clause(p) for p in re.split(r" AND | OR ", query)]
    if has_or:
        return lambda obj: any(p(obj) for p in parts)
    return lambda obj: all(p(obj) for p in parts)
