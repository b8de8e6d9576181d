"""Reading metrics back for the panel, the support bundle and CSV export.

``MetricsQuery.view(window)`` returns a frozen ``MetricsView``: a time series (success rate and
tender latency percentiles per bucket), latency summaries per operation, declines by code,
errors by category, refund totals and the latest queue gauges. The last hour is read from
minute rows; a day or a week from hour rows (one row per hour per operation, so a week is a
few hundred histogram decodes).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from ireti_till.domain.metrics import (
    PERCENTILES,
    Counter,
    LatencySummary,
    Op,
    parse_label_key,
    percentile_shown,
    success_rate,
    summarise,
)
from ireti_till.services.metrics import new_histogram

_Row = tuple[int, str, str, int]
_GaugeRow = tuple[int, str, str, float]


class MetricsSource(Protocol):
    def histograms(self, resolution: str, since: int, until: int) -> Iterator[tuple[int, str, Any]]:
        ...

    def counters(self, resolution: str, since: int, until: int) -> Iterator[_Row]:
        ...

    def gauges(self, resolution: str, since: int, until: int) -> Iterator[_GaugeRow]:
        ...


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


# window -> (resolution, bucket length in minutes, number of buckets)
_SHAPE: dict[Window, tuple[str, int, int]] = {
    Window.HOUR: ("m", 1, 60),
    Window.DAY: ("h", 60, 24),
    Window.WEEK: ("h", 60, 168),
}


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    bucket_start: int  # Unix minutes
    attempts: int
    approved: int
    success_rate: float | None
    tender_p50_ms: int | None
    tender_p95_ms: int | None
    tender_p99_ms: int | None


@dataclass(frozen=True, slots=True)
class MetricsView:
    window: Window
    since_minute: int
    until_minute: int
    series: tuple[SeriesPoint, ...]
    latency: tuple[LatencySummary, ...]
    attempts: int
    approved: int
    success_rate: float | None
    declines_by_code: tuple[tuple[str, int], ...]
    errors_by_category: tuple[tuple[str, int], ...]
    refunds: int
    refunds_failed: int
    refund_amounts: tuple[tuple[str, int], ...]  # (currency, minor units)
    reader_disconnects: int
    gauges: tuple[tuple[str, float], ...]  # latest value of each gauge in the window
    payment_amounts: tuple[tuple[str, int], ...] = ()  # (currency, minor units) approved


def _percentiles(hist: Any) -> dict[float, int]:
    values: dict[float, int] = hist.get_percentile_to_value_dict(list(PERCENTILES))
    return {p: int(v) for p, v in values.items()}


class MetricsQuery:
    def __init__(self, source: MetricsSource, *, clock: Callable[[], float] = time.time) -> None:
        self._source = source
        self._clock = clock

    def view(self, window: Window) -> MetricsView:
        resolution, step, buckets = _SHAPE[window]
        now_minute = int(self._clock() // 60)
        until = now_minute - now_minute % step + step  # end of the current bucket
        since = until - step * buckets
        per_op: dict[str, Any] = {}
        tender_by_bucket: dict[int, Any] = {}
        for bucket, op, hist in self._source.histograms(resolution, since, until):
            total = per_op.get(op)
            if total is None:
                total = per_op[op] = new_histogram()
            total.add(hist)
            if op == Op.TENDER:
                tender_by_bucket[bucket] = hist
        attempts: dict[int, int] = {}
        approved: dict[int, int] = {}
        declines: dict[str, int] = {}
        errors: dict[str, int] = {}
        refund_amounts: dict[str, int] = {}
        payment_amounts: dict[str, int] = {}
        totals: dict[str, int] = {}
        for bucket, name, labels, value in self._source.counters(resolution, since, until):
            totals[name] = totals.get(name, 0) + value
            if name == Counter.PAYMENT_ATTEMPTS:
                attempts[bucket] = attempts.get(bucket, 0) + value
            elif name == Counter.PAYMENT_APPROVED:
                approved[bucket] = approved.get(bucket, 0) + value
            elif name == Counter.PAYMENT_DECLINED:
                code = parse_label_key(labels).get("code", "unknown")
                declines[code] = declines.get(code, 0) + value
            elif name == Counter.PAYMENT_ERRORS:
                category = parse_label_key(labels).get("category", "api")
                errors[category] = errors.get(category, 0) + value
            elif name == Counter.REFUND_AMOUNT:
                currency = parse_label_key(labels).get("currency", "?")
                refund_amounts[currency] = refund_amounts.get(currency, 0) + value
            elif name == Counter.PAYMENT_AMOUNT:
                currency = parse_label_key(labels).get("currency", "?")
                payment_amounts[currency] = payment_amounts.get(currency, 0) + value
        latest: dict[str, tuple[int, float]] = {}
        for bucket, name, labels, level in self._source.gauges(resolution, since, until):
            key = name if not labels else f"{name}{{{labels}}}"
            if key not in latest or bucket >= latest[key][0]:
                latest[key] = (bucket, level)
        series = tuple(
            self._point(b, attempts.get(b, 0), approved.get(b, 0), tender_by_bucket.get(b))
            for b in range(since, until, step)
        )
        latency = tuple(
            summarise(op, int(h.get_total_count()), _percentiles(h), int(h.get_max_value()))
            for op, h in sorted(per_op.items())
        )
        n_attempts = totals.get(Counter.PAYMENT_ATTEMPTS, 0)
        n_approved = totals.get(Counter.PAYMENT_APPROVED, 0)
        return MetricsView(
            window=window,
            since_minute=since,
            until_minute=until,
            series=series,
            latency=latency,
            attempts=n_attempts,
            approved=n_approved,
            success_rate=success_rate(n_approved, n_attempts),
            declines_by_code=tuple(sorted(declines.items(), key=lambda kv: (-kv[1], kv[0]))),
            errors_by_category=tuple(sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))),
            refunds=totals.get(Counter.REFUNDS, 0),
            refunds_failed=totals.get(Counter.REFUNDS_FAILED, 0),
            refund_amounts=tuple(sorted(refund_amounts.items())),
            reader_disconnects=totals.get(Counter.READER_DISCONNECTS, 0),
            gauges=tuple(sorted((k, v) for k, (_b, v) in latest.items())),
            payment_amounts=tuple(sorted(payment_amounts.items())),
        )

    @staticmethod
    def _point(bucket: int, attempts: int, approved: int, tender: Any) -> SeriesPoint:
        count = int(tender.get_total_count()) if tender is not None else 0
        values = _percentiles(tender) if count else {}

        def pick(p: float) -> int | None:
            return values.get(p) if percentile_shown(p, count) else None

        return SeriesPoint(
            bucket, attempts, approved, success_rate(approved, attempts),
            pick(50.0), pick(95.0), pick(99.0),
        )


def view_to_csv(view: MetricsView) -> str:
    """The view as CSV: one section per table, blank line between sections."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "window", view.window.value])
    w.writerow(["series", "bucket_start_local", "attempts", "approved", "success_rate",
                "tender_p50_ms", "tender_p95_ms", "tender_p99_ms"])
    for p in view.series:
        w.writerow(["series", local_time(p.bucket_start), p.attempts, p.approved,
                    "" if p.success_rate is None else f"{p.success_rate:.4f}",
                    _blank(p.tender_p50_ms), _blank(p.tender_p95_ms), _blank(p.tender_p99_ms)])
    w.writerow(["latency", "op", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms"])
    for s in view.latency:
        w.writerow(["latency", s.op, s.count, _blank(s.p50_ms), _blank(s.p95_ms),
                    _blank(s.p99_ms), _blank(s.max_ms)])
    w.writerow(["declines", "code", "count"])
    for code, n in view.declines_by_code:
        w.writerow(["declines", code, n])
    w.writerow(["errors", "category", "count"])
    for category, n in view.errors_by_category:
        w.writerow(["errors", category, n])
    w.writerow(["refunds", "count", view.refunds, "failed", view.refunds_failed])
    for currency, minor in view.refund_amounts:
        w.writerow(["refund_amount", currency, minor])
    for currency, minor in view.payment_amounts:
        w.writerow(["payment_amount", currency, minor])
    for name, value in view.gauges:
        w.writerow(["gauge", name, value])
    return out.getvalue()


def local_time(minute: int) -> str:
    """A Unix minute as this computer's local time, ISO 8601 with its UTC offset."""
    return datetime.fromtimestamp(minute * 60, UTC).astimezone().isoformat(timespec="minutes")


def _blank(value: int | None) -> str | int:
    return "" if value is None else value
