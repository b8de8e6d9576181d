"""The registry: every category module in ``categories/`` with its cases, in order.

Kept apart from ``case.py`` (the types the category modules import) so that discovering the
categories and defining them never import each other.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from ireti_till.commands.validation.case import Case, Category


def _modules() -> list[ModuleType]:
    from ireti_till.commands.validation import categories

    found: list[ModuleType] = []
    for info in sorted(pkgutil.iter_modules(categories.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            found.append(importlib.import_module(f"{categories.__name__}.{info.name}"))
    return found


def registry() -> list[tuple[Category, list[Case]]]:
    """Every category with its cases, in order; checks that ids are unique and well formed."""
    out: list[tuple[Category, list[Case]]] = []
    for module in _modules():
        category: Category = module.CATEGORY
        cases: list[Case] = module.CASES
        out.append((category, [Case(c.id, c.purpose, c.check, c.stripe_test, category.key)
                               for c in cases]))
    out.sort(key=lambda pair: pair[0].order)
    seen: set[str] = set()
    for category, cases in out:
        for case in cases:
            if case.id in seen or not case.purpose or "\n" in case.purpose:
                raise ValueError(f"validation case {case.id!r} in {category.key}: duplicate id "
                                 "or no one-line purpose")
            seen.add(case.id)
    return out


def all_cases() -> list[Case]:
    return [case for _category, cases in registry() for case in cases]
