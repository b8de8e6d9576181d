"""Print job repository (``uow.prints``): durable jobs, state changed by compare-and-set."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.engine import Connection

from ireti_till.adapters.db import models_shift as m
from ireti_till.adapters.db.uow import register_repository
from ireti_till.services.printing_ports import PrintJob

jobs: Final = cast(Table, m.PrintJobRow.__table__)


def _job(r: Row[Any]) -> PrintJob:
    return PrintJob(job_id=r.id, kind=r.kind, channel=r.channel, ref=r.ref, document=r.document,
                    state=r.state, attempts=r.attempts, created_at=r.created_at,
                    updated_at=r.updated_at, copy=bool(r.copy), kick=bool(r.kick),
                    target=r.target, last_error=r.last_error)


class SqlPrintRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, job: PrintJob) -> None:
        self._conn.execute(insert(jobs).values(
            id=job.job_id, kind=job.kind, channel=job.channel, target=job.target, ref=job.ref,
            document=job.document, copy=job.copy, kick=job.kick, state=job.state,
            attempts=job.attempts, last_error=job.last_error, created_at=job.created_at,
            updated_at=job.updated_at))

    def get(self, job_id: str) -> PrintJob | None:
        row = self._conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def due(self, channel: str, limit: int = 20) -> list[PrintJob]:
        rows = self._conn.execute(select(jobs).where(
            jobs.c.state.in_(("pending", "failed")), jobs.c.channel == channel,
        ).order_by(jobs.c.created_at, jobs.c.id).limit(limit))
        return [_job(r) for r in rows]

    def mark(self, job_id: str, expected: str, new: str, *, attempts: int,
             error: str | None, at: datetime) -> bool:
        done = self._conn.execute(update(jobs).where(
            jobs.c.id == job_id, jobs.c.state == expected,
        ).values(state=new, attempts=attempts, last_error=error and error[:300],
                 updated_at=at))
        return done.rowcount == 1

    def recent(self, limit: int = 50) -> list[PrintJob]:
        rows = self._conn.execute(
            select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit))
        return [_job(r) for r in rows]

    def by_ref(self, ref: str) -> list[PrintJob]:
        rows = self._conn.execute(select(jobs).where(jobs.c.ref == ref)
                                  .order_by(jobs.c.created_at))
        return [_job(r) for r in rows]


register_repository("prints", SqlPrintRepository)
