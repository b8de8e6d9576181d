"""Validation cases and categories, and the registry that finds them.

A category is one module in ``ireti_till/commands/validation/categories/`` defining ``CATEGORY`` (a
``Category``) and ``CASES`` (a list of ``Case``). Adding a category is adding one file: the
registry imports every module of that package, ordered by ``Category.order``.

A case has a stable id (``PAY-01``), a one-line purpose, and ``check(env) -> evidence``: the
function raises (an ``AssertionError`` or any exception) when the case fails, and otherwise
returns the evidence, one line saying what was observed. ``stripe_test`` is ``None`` when the
case also runs against Stripe test mode, or the reason it cannot (then it is skipped there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.commands.validation.env import Env

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
