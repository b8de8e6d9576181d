"""SQLite store for metrics: the ``MetricsSink`` and ``MetricsSource`` ports.

Writes merge each minute into its minute row and its hour row in one short transaction, so
the panel reads at most one row per hour per operation for a day or a week. A blob that does
not decode (a bad disk sector, a hand edit) is skipped with a log entry (IT-530): the panel
shows the rest and a merge replaces the bad row rather than failing the flush.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from ireti_till.adapters.db.engine import READ_ONLY_OPTION
from ireti_till.adapters.db.models_ops import (
    HOUR_RETENTION_DAYS,
    MINUTE_RETENTION_DAYS,
    MetricCounter,
    MetricGauge,
    MetricHistogram,
)
from ireti_till.services.metrics import (
    MinuteBatch,
    decode_histogram,
    encode_histogram,
)

log = logging.getLogger(__name__)
CORRUPT_BLOB = "IT-530"

_H: Table = MetricHistogram.__table__  # type: ignore[assignment]
_C: Table = MetricCounter.__table__  # type: ignore[assignment]
_G: Table = MetricGauge.__table__  # type: ignore[assignment]
_Row = tuple[int, str, str, int]
_GaugeRow = tuple[int, str, str, float]


def _hour(minute: int) -> int:
    return minute - minute % 60


class SqlMetricsStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.skipped_blobs = 0

    # -- writing ------------------------------------------------------------------------
    def add_minutes(self, batches: Sequence[MinuteBatch]) -> None:
        """Minute rows as given; hour rows pre-aggregated in memory (one merge per hour and
        operation, which matters when a long outage flushes many minutes at once)."""
        hours: dict[int, tuple[dict[str, Any], dict[tuple[str, str], int],
                               dict[tuple[str, str], float]]] = {}
        for batch in batches:
            hists, counters, gauges = hours.setdefault(_hour(batch.minute), ({}, {}, {}))
            for op, blob in batch.histograms.items():
                if op in hists:
                    hists[op].add(decode_histogram(blob))
                else:
                    hists[op] = decode_histogram(blob)
            for key, n in batch.counters.items():
                counters[key] = counters.get(key, 0) + n
            gauges.update(batch.gauges)
        with self._engine.begin() as conn:
            for batch in batches:
                self._write(conn, "m", batch.minute,
                            {op: decode_histogram(b) for op, b in batch.histograms.items()},
                            batch.counters, batch.gauges)
            for hour, (hists, counters, gauges) in hours.items():
                self._write(conn, "h", hour, hists, counters, gauges)

    def _write(self, conn: Connection, resolution: str, bucket: int, hists: dict[str, Any],
               counters: Mapping[tuple[str, str], int],
               gauges: Mapping[tuple[str, str], float]) -> None:
        for op, hist in hists.items():
            self._merge_histogram(conn, resolution, bucket, op, hist)
        for (name, labels), n in counters.items():
            stmt = insert(_C).values(
                resolution=resolution, bucket=bucket, name=name, labels=labels, value=n
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["resolution", "bucket", "name", "labels"],
                    set_={"value": _C.c.value + stmt.excluded.value},
                )
            )
        for (name, labels), v in gauges.items():
            stmt = insert(_G).values(
                resolution=resolution, bucket=bucket, name=name, labels=labels, value=v
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["resolution", "bucket", "name", "labels"],
                    set_={"value": stmt.excluded.value},
                )
            )

    def _merge_histogram(
        self, conn: Connection, resolution: str, bucket: int, op: str, merged: Any
    ) -> None:
        key = (_H.c.resolution == resolution) & (_H.c.bucket == bucket) & (_H.c.op == op)
        existing = conn.execute(select(_H.c.blob).where(key)).scalar_one_or_none()
        if existing is not None:
            try:
                merged.add(decode_histogram(existing))
            except (ValueError, IndexError) as exc:
                self._skip(resolution, bucket, op, exc, "replaced by the new minute")
        stmt = insert(_H).values(
            resolution=resolution,
            bucket=bucket,
            op=op,
            count=int(merged.get_total_count()),
            blob=encode_histogram(merged),
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["resolution", "bucket", "op"],
                set_={"count": stmt.excluded.count, "blob": stmt.excluded.blob},
            )
        )

    def _skip(self, resolution: str, bucket: int, op: str, exc: Exception, what: str) -> None:
        self.skipped_blobs += 1
        log.warning(
            "corrupt metrics histogram skipped (%s): resolution=%s bucket=%d op=%s: %s; %s",
            CORRUPT_BLOB, resolution, bucket, op, exc, what,
        )

    def prune(self, now_minute: int) -> int:
        """Drop minute rows older than a week and hour rows older than the hour retention."""
        cutoffs = {
            "m": now_minute - MINUTE_RETENTION_DAYS * 1440,
            "h": now_minute - HOUR_RETENTION_DAYS * 1440,
        }
        removed = 0
        with self._engine.begin() as conn:
            for table in (_H, _C, _G):
                for resolution, cutoff in cutoffs.items():
                    result = conn.execute(
                        delete(table).where(
                            (table.c.resolution == resolution) & (table.c.bucket < cutoff)
                        )
                    )
                    removed += result.rowcount or 0
        return removed

    # -- reading ------------------------------------------------------------------------
    def _read(self) -> Connection:
        return self._engine.connect().execution_options(**{READ_ONLY_OPTION: True})

    def histograms(self, resolution: str, since: int, until: int) -> Iterator[tuple[int, str, Any]]:
        """(bucket, op, histogram) for since <= bucket < until; corrupt blobs are skipped."""
        query = (
            select(_H.c.bucket, _H.c.op, _H.c.blob)
            .where((_H.c.resolution == resolution) & (_H.c.bucket >= since) & (_H.c.bucket < until))
            .order_by(_H.c.bucket)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        for bucket, op, blob in rows:
            try:
                hist = decode_histogram(blob)
            except ValueError as exc:
                self._skip(resolution, bucket, op, exc, "left out of the panel")
                continue
            yield bucket, op, hist

    def counters(self, resolution: str, since: int, until: int) -> Iterator[_Row]:
        query = select(_C.c.bucket, _C.c.name, _C.c.labels, _C.c.value).where(
            (_C.c.resolution == resolution) & (_C.c.bucket >= since) & (_C.c.bucket < until)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        for bucket, name, labels, value in rows:
            yield int(bucket), str(name), str(labels), int(value)

    def gauges(self, resolution: str, since: int, until: int) -> Iterator[_GaugeRow]:
        query = select(_G.c.bucket, _G.c.name, _G.c.labels, _G.c.value).where(
            (_G.c.resolution == resolution) & (_G.c.bucket >= since) & (_G.c.bucket < until)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        for bucket, name, labels, value in rows:
            yield int(bucket), str(name), str(labels), float(value)
