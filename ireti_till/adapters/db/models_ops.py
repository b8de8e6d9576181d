"""Operations tables: per-minute and per-hour metric histograms, counters and gauges.

``resolution`` is ``"m"`` (one row per minute, kept for a week) or ``"h"`` (the same data
rolled up per hour at write time, kept for ``HOUR_RETENTION_DAYS``); ``bucket`` is the
bucket's start as Unix minutes (``time // 60``), so a range query is an integer range.
Histograms are HdrHistogram V2 blobs (compressed, base64), in whole milliseconds.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ireti_till.adapters.db.base import Base

__all__ = ["MetricCounter", "MetricGauge", "MetricHistogram"]

MINUTE_RETENTION_DAYS = 8
HOUR_RETENTION_DAYS = 400


class MetricHistogram(Base):
    __tablename__ = "ops_metric_hist"
    __table_args__ = (CheckConstraint("resolution IN ('m', 'h')", name="resolution"),)

    resolution: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    op: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class MetricCounter(Base):
    __tablename__ = "ops_metric_counter"
    __table_args__ = (CheckConstraint("resolution IN ('m', 'h')", name="resolution"),)

    resolution: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    labels: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class MetricGauge(Base):
    __tablename__ = "ops_metric_gauge"
    __table_args__ = (CheckConstraint("resolution IN ('m', 'h')", name="resolution"),)

    resolution: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    labels: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
