"""composition/tricks.py answers PySide6's "does this module use PySide6?" question (its
import hook, PYSIDE-2029) from the file's bytes instead of ``inspect.getsource``, so whole
source files no longer pile up in ``linecache`` (issue 2: idle RSS)."""

from __future__ import annotations

import linecache
import sys

import pytest

import ireti_till.ui.bench_hooks as uses_qt
from ireti_till.composition import tricks as late
from ireti_till.domain import money as no_qt


def test_the_hook_gives_the_same_answer_without_caching_the_source() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    if getattr(feature, "_mod_uses_pyside", None) is None:
        pytest.skip("this PySide6 has no feature import hook")
    late.drop_pyside_source_cache()
    late.drop_pyside_source_cache()  # idempotent: wraps once
    check = feature._mod_uses_pyside  # type: ignore[union-attr]
    assert getattr(check, "ireti_uncached", False)
    assert linecache.cache == {}
    assert check(uses_qt) is True and check(no_qt) is False
    assert check(sys) is False  # a built-in module: the upstream answer
    assert uses_qt.__file__ not in linecache.cache and no_qt.__file__ not in linecache.cache
