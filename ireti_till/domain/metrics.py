"""Payment metrics vocabulary and the rules for showing them (pure).

Names of counters and latency operations, the error categories of DESIGN §10, how a Stripe
error maps to a category, and when a percentile has enough samples to be shown: a p99 over
twenty samples is the second-slowest call, not a tail, so it is hidden until the sample is
big enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ErrorCategory(StrEnum):
    CARD = "card"
    INVALID_REQUEST = "invalid_request"
    API = "api"
    IDEMPOTENCY = "idempotency"
    RATE_LIMIT = "rate_limit"
    NETWORK = "network"
    READER = "reader"


class Op(StrEnum):
    """Timed operations (latency histograms): the whole tender, and each Stripe call as
    ``stripe.<gateway operation>`` (the names ``StripeGateway`` reports to ``on_call``)."""

    TENDER = "tender"  # F5 pressed -> approved/declined, as the cashier waits
    REFUND_TENDER = "refund_tender"
    CREATE_INTENT = "stripe.create_intent"
    PROCESS_INTENT = "stripe.process_on_reader"
    RETRIEVE_INTENT = "stripe.retrieve_intent"
    RETRIEVE_READER = "stripe.retrieve_reader"
    CAPTURE = "stripe.capture_intent"
    CANCEL = "stripe.cancel_intent"
    CANCEL_ACTION = "stripe.cancel_reader_action"
    REFUND = "stripe.create_refund"
    LIST_EVENTS = "stripe.list_events"


class Counter(StrEnum):
    """Counter names. Labels refine some (``code`` for declines, ``category`` for errors)."""

    PAYMENT_ATTEMPTS = "payment.attempts"
    PAYMENT_APPROVED = "payment.approved"
    PAYMENT_DECLINED = "payment.declined"  # label: code
    PAYMENT_ERRORS = "payment.errors"  # label: category
    PAYMENT_AMOUNT = "payment.amount_minor"  # label: currency
    REFUNDS = "refund.count"
    REFUND_AMOUNT = "refund.amount_minor"  # label: currency
    REFUNDS_FAILED = "refund.failed"
    READER_DISCONNECTS = "reader.disconnects"
    # Gauges: the last value in a bucket wins (the recorder's ``gauge``).
    QUEUE_DEPTH = "queue.depth"
    QUEUE_OLDEST_AGE_S = "queue.oldest_age_s"
    REFUNDS_PENDING = "refund.pending"
    EVENT_SWEEP_LAG_S = "events.sweep_lag_s"


GAUGES = frozenset(
    {Counter.QUEUE_DEPTH, Counter.QUEUE_OLDEST_AGE_S, Counter.REFUNDS_PENDING,
     Counter.EVENT_SWEEP_LAG_S}
)

# Stripe ``error.type`` values and SDK exception class names -> category.
_BY_TYPE: Mapping[str, ErrorCategory] = {
    "card_error": ErrorCategory.CARD,
    "CardError": ErrorCategory.CARD,
    "invalid_request_error": ErrorCategory.INVALID_REQUEST,
    "InvalidRequestError": ErrorCategory.INVALID_REQUEST,
    "api_error": ErrorCategory.API,
    "APIError": ErrorCategory.API,
    "idempotency_error": ErrorCategory.IDEMPOTENCY,
    "IdempotencyError": ErrorCategory.IDEMPOTENCY,
    "rate_limit_error": ErrorCategory.RATE_LIMIT,
    "RateLimitError": ErrorCategory.RATE_LIMIT,
    "APIConnectionError": ErrorCategory.NETWORK,
    "Timeout": ErrorCategory.NETWORK,
    "ConnectionError": ErrorCategory.NETWORK,
}


def classify_error(
    error_type: str | None, *, code: str | None = None, http_status: int | None = None
) -> ErrorCategory:
    """Map a Stripe error (``error.type`` or SDK class name, ``error.code``, HTTP status) to a
    category. Terminal reader codes (``terminal_reader_*``) are READER whatever their type."""
    if code and code.startswith("terminal_reader"):
        return ErrorCategory.READER
    if error_type and error_type in _BY_TYPE:
        return _BY_TYPE[error_type]
    if http_status == 429:
        return ErrorCategory.RATE_LIMIT
    if http_status is not None and http_status >= 500:
        return ErrorCategory.API
    if http_status is not None and 400 <= http_status < 500:
        return ErrorCategory.INVALID_REQUEST
    if http_status is None and error_type is None:
        return ErrorCategory.NETWORK
    return ErrorCategory.API


# The till's payment error codes (docs/errors/payments.md) -> category.
_BY_TILL_CODE: Mapping[str, ErrorCategory] = {
    **{f"IT-31{n}": ErrorCategory.CARD for n in range(10)},
    **{f"IT-32{n}": ErrorCategory.READER for n in range(10)},
    "IT-301": ErrorCategory.INVALID_REQUEST,
    "IT-330": ErrorCategory.INVALID_REQUEST,
    "IT-340": ErrorCategory.INVALID_REQUEST,  # key refused: a configuration problem
    "IT-341": ErrorCategory.RATE_LIMIT,
    "IT-342": ErrorCategory.NETWORK,
    "IT-343": ErrorCategory.IDEMPOTENCY,
    "IT-344": ErrorCategory.IDEMPOTENCY,
    "IT-345": ErrorCategory.INVALID_REQUEST,
    "IT-346": ErrorCategory.INVALID_REQUEST,
    "IT-347": ErrorCategory.INVALID_REQUEST,
    "IT-348": ErrorCategory.API,
}


def category_of_code(code: str) -> ErrorCategory:
    """Category of a till payment error code (``IT-3xx``); unknown codes count as API."""
    return _BY_TILL_CODE.get(code, ErrorCategory.API)


PERCENTILES: tuple[float, ...] = (50.0, 95.0, 99.0)
TAIL_SAMPLES = 5


def min_samples_for(percentile: float) -> int:
    """Samples needed before a percentile is shown: enough that at least 5 samples lie at or
    above it (p50: 20, p95: 100, p99: 500), and never fewer than 20."""
    if not 0 < percentile < 100:
        raise ValueError("percentile must be strictly between 0 and 100")
    tail = (100.0 - percentile) / 100.0
    return max(20, math.ceil(TAIL_SAMPLES / tail - 1e-9))


def percentile_shown(percentile: float, sample_count: int) -> bool:
    return sample_count >= min_samples_for(percentile)


def success_rate(approved: int, attempts: int) -> float | None:
    """Approved / attempts as a fraction in [0, 1]; None without attempts (not 0 %, not 100 %)."""
    if attempts <= 0:
        return None
    return min(1.0, max(0.0, approved / attempts))


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Percentiles of one operation over a window; a value is None when hidden."""

    op: str
    count: int
    p50_ms: int | None
    p95_ms: int | None
    p99_ms: int | None
    max_ms: int | None


def summarise(
    op: str, count: int, values: Mapping[float, int], max_ms: int | None
) -> LatencySummary:
    """Build a summary, hiding each percentile whose sample is too small."""

    def pick(p: float) -> int | None:
        return values.get(p) if percentile_shown(p, count) else None

    return LatencySummary(op, count, pick(50.0), pick(95.0), pick(99.0), max_ms if count else None)


def label_key(labels: Mapping[str, str] | None) -> str:
    """A stable text form of counter labels (``code=card_declined``), '' when there are none."""
    if not labels:
        return ""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def parse_label_key(key: str) -> dict[str, str]:
    if not key:
        return {}
    out: dict[str, str] = {}
    for part in key.split(","):
        name, _, value = part.partition("=")
        out[name] = value
    return out
