"""Builders for the staff and audit integration tests (no tests in this module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from ireti_till.adapters.db import migrate
from ireti_till.adapters.db.engine import make_engine
from ireti_till.adapters.pin_hash import ScryptPinHasher
from ireti_till.adapters.staff_wiring import StaffContext, build_staff_context
from ireti_till.domain.staff import LockoutPolicy

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    at: datetime = field(default=T0)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def migrated_engine(data_dir: Path) -> Engine:
    engine = make_engine(data_dir / "ledger.sqlite3")
    migrate.upgrade(engine, target="heads")
    return engine


def fast_hasher() -> ScryptPinHasher:
    """Cheap scrypt parameters: the tests check behaviour, the benchmark checks cost."""
    return ScryptPinHasher(b"p" * 32, n=2**4, r=1)


def context(engine: Engine, data_dir: Path, clock: FakeClock, *, training: bool = True,
            lockout: LockoutPolicy | None = None) -> StaffContext:
    return build_staff_context(engine, data_dir, training=training, till_id="T01", clock=clock,
                               lockout=lockout, hasher=fast_hasher())
