"""Deterministic fault injection: a seeded plan, plus faults scripted by tests.

A plan (``FaultPlan``, from a JSON or TOML file; see docs/emulator.md) gives rates that a
``random.Random(seed)`` draws against for each request, so a run with the same seed and
the same request order meets the same faults. ``FaultInjector.script`` queues exact
faults for the next matching requests (tests use this); ``hold`` parks a request until the
test lets it go (to make two requests overlap without sleeping).
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

REQUEST_KINDS = ("latency", "http_500", "rate_limit", "connection_reset", "response_lost")
READER_KINDS = ("reader_offline", "reader_busy", "reader_timeout",
                "reader_timeout_false_negative", "slow_reader")
SHOULD_RETRY = ("true", "false", "absent")


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    paths: str = ""  # regex; faults apply only to matching paths ("" = all)
    latency: str = "none"  # none | fixed | uniform | lognormal
    latency_ms: float = 0.0  # fixed value, uniform low, or lognormal median
    latency_high_ms: float = 0.0  # uniform high
    latency_sigma: float = 0.5  # lognormal sigma
    http_500: float = 0.0
    http_500_should_retry: str = "absent"
    rate_limit_burst: float = 0.0  # chance that a burst of 429s starts at a request
    rate_limit_burst_length: int = 5
    connection_reset: float = 0.0
    response_lost: float = 0.0
    reader_offline: float = 0.0
    reader_busy: float = 0.0
    reader_timeout: float = 0.0
    reader_timeout_false_negative: float = 0.0
    slow_reader: float = 0.0
    slow_reader_s: float = 3.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        if not isinstance(data, dict):
            raise ValueError("a fault plan is an object of settings, like {\"http_500\": 0.1}")
        types = {f.name: f.type for f in fields(cls)}
        unknown = set(data) - set(types)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(map(str, unknown)))}")
        for name, value in data.items():
            wanted: type | tuple[type, ...] = _TYPES[str(types[name])]
            if isinstance(value, bool) or not isinstance(value, wanted):
                raise ValueError(f"{name} must be a {types[name]}, not {value!r:.30}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number")
            if isinstance(value, int | float) and (value < 0 or (name in _CHANCES and value > 1)):
                raise ValueError(f"{name} {value} is out of range"
                                 + (" (a chance: 0..1)" if name in _CHANCES else ""))
        plan = cls(**data)
        try:
            re.compile(plan.paths)
        except re.error as exc:
            raise ValueError(f"paths {plan.paths!r:.40} is not a regular expression: {exc}") \
                from exc
        if plan.http_500_should_retry not in SHOULD_RETRY:
            raise ValueError(f"http_500_should_retry must be one of {SHOULD_RETRY}")
        if plan.latency not in ("none", "fixed", "uniform", "lognormal"):
            raise ValueError("latency must be none, fixed, uniform or lognormal")
        return plan

    @classmethod
    def from_file(cls, path: str | Path) -> FaultPlan:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("the file is not UTF-8 text") from exc
        try:
            data = tomllib.loads(text) if str(path).endswith(".toml") else json.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"not valid TOML: {exc}") from exc
        return cls.from_dict(data)


_TYPES: Final[dict[str, type | tuple[type, ...]]] = {
    "int": int, "float": (int, float), "str": str}
_CHANCES: Final = frozenset({
    "http_500", "rate_limit_burst", "connection_reset", "response_lost", "reader_offline",
    "reader_busy", "reader_timeout", "reader_timeout_false_negative", "slow_reader"})


@dataclass
class Hold:
    """A parked request: ``entered`` is set when it arrives; ``release()`` lets it go on."""

    path: str
    entered: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.gate.set()


@dataclass
class RequestFaults:
    latency_s: float = 0.0
    before: str | None = None  # http_500 | rate_limit | connection_reset
    should_retry: str = "absent"
    after: str | None = None  # response_lost
    hold: Hold | None = None


@dataclass
class _Scripted:
    kind: str
    path: str
    count: int
    value: Any


class FaultInjector:
    def __init__(self, plan: FaultPlan | None = None, seed: int | None = None) -> None:
        self.plan = plan or FaultPlan()
        self._rng = random.Random(self.plan.seed if seed is None else seed)
        self._paths = re.compile(self.plan.paths) if self.plan.paths else None
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self._holds: list[Hold] = []
        self._burst_left = 0
        self.injected: dict[str, int] = {}

    def script(self, kind: str, *, count: int = 1, path: str = "", value: Any = None) -> None:
        """Make the next ``count`` requests whose path matches ``path`` meet ``kind``.

        ``value``: milliseconds for ``latency``; "true"/"false"/"absent" for ``http_500``
        (the ``Stripe-Should-Retry`` header); seconds for ``slow_reader``.
        """
        if kind not in REQUEST_KINDS + READER_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._scripted.append(_Scripted(kind, path, count, value))

    def hold(self, path: str = "") -> Hold:
        hold = Hold(path)
        with self._lock:
            self._holds.append(hold)
        return hold

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._burst_left = 0

    def _take(self, kinds: tuple[str, ...], path: str) -> _Scripted | None:
        for item in self._scripted:
            if item.kind in kinds and re.search(item.path, path):
                item.count -= 1
                if item.count <= 0:
                    self._scripted.remove(item)
                self.injected[item.kind] = self.injected.get(item.kind, 0) + 1
                return item
        return None

    def _draw(self, kind: str, rate: float) -> bool:
        hit = rate > 0 and self._rng.random() < rate
        if hit:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return hit

    def on_request(self, path: str) -> RequestFaults:
        out = RequestFaults()
        plan = self.plan
        with self._lock:
            for hold in self._holds:
                if re.search(hold.path, path):
                    self._holds.remove(hold)
                    out.hold = hold
                    break
            item = self._take(("latency",), path)
            if item is not None:
                out.latency_s = float(item.value or 0) / 1000
            item = self._take(("http_500", "rate_limit", "connection_reset"), path)
            if item is not None:
                out.before = item.kind
                out.should_retry = str(item.value or "absent")
            item = self._take(("response_lost",), path)
            out.after = item.kind if item is not None else None
            if self._paths is not None and not self._paths.search(path):
                return out
            out.latency_s += self._latency()
            if out.before is None:
                if self._burst_left > 0:
                    self._burst_left -= 1
                    out.before = "rate_limit"
                elif self._draw("rate_limit", plan.rate_limit_burst):
                    self._burst_left = max(plan.rate_limit_burst_length - 1, 0)
                    out.before = "rate_limit"
                elif self._draw("connection_reset", plan.connection_reset):
                    out.before = "connection_reset"
                elif self._draw("http_500", plan.http_500):
                    out.before, out.should_retry = "http_500", plan.http_500_should_retry
            if out.after is None and self._draw("response_lost", plan.response_lost):
                out.after = "response_lost"
        return out

    def _latency(self) -> float:
        plan = self.plan
        if plan.latency == "fixed":
            return plan.latency_ms / 1000
        if plan.latency == "uniform":
            return self._rng.uniform(plan.latency_ms, plan.latency_high_ms) / 1000
        if plan.latency == "lognormal":
            return float(plan.latency_ms * self._rng.lognormvariate(0, plan.latency_sigma)) / 1000
        return 0.0

    def reader_fault(self, reader_id: str) -> str | None:
        """``offline``, ``busy``, ``timeout``, ``timeout_false_negative`` or ``None``."""
        plan = self.plan
        with self._lock:
            item = self._take(READER_KINDS[:4], reader_id)
            if item is not None:
                return item.kind.removeprefix("reader_")
            for kind in READER_KINDS[:4]:
                if self._draw(kind, getattr(plan, kind)):
                    return kind.removeprefix("reader_")
        return None

    def reader_delay(self) -> float:
        """Seconds of emulator clock before a slow reader answers (0 = at once)."""
        with self._lock:
            item = self._take(("slow_reader",), "")
            if item is not None:
                return float(item.value if item.value is not None else self.plan.slow_reader_s)
            if self._draw("slow_reader", self.plan.slow_reader):
                return self.plan.slow_reader_s
        return 0.0
