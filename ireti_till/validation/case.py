"""Validation cases and categories, and the registry that finds them.

A category is one module in ``ireti_till/validation/categories/`` defining ``CATEGORY`` (a
``Category``) and ``CASES`` (a list of ``Case``). Adding a category is adding one file: the
registry imports every module of that package, ordered by ``Category.order``.

A case has a stable id (``PAY-01``), a one-line purpose, and ``check(env) -> evidence``: the
function raises (an ``AssertionError`` or any exception) when the case fails, and otherwise
returns the evidence, one line saying what was observed. ``stripe_test`` is ``None`` when the
case also runs against Stripe test mode, or the reason it cannot (then it is skipped there).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.validation.env import Env

EMULATOR_ONLY = "needs the emulator (fault injection or a simulated reader state)"
LOCAL_ONLY = None  # local cases (ledger, files, staff) run the same in both modes


@dataclass(frozen=True, slots=True)
class Category:
    key: str  # what --category takes
    title: str
    order: int
    summary: str


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    purpose: str
    check: Callable[[Env], str]
    stripe_test: str | None = None  # None: runs in Stripe test mode; else why it is skipped
    category: str = ""  # filled in by the registry


def _modules() -> list[ModuleType]:
    from ireti_till.validation import categories

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
