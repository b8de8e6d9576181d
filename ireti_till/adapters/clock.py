"""The real clock (the ``Clock`` port): timezone-aware UTC, always."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
