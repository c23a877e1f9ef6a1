"""APScheduler for the process's jobs (jobs.py lists them, bootstrap.py builds the list).

A job is a name, an interval and an async function of no arguments: what it needs was bound when
the list was built. Only the process with --role worker (or all) runs them; a job that must run
once across processes takes a PostgreSQL advisory lock itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Awaitable[object]]
    every_seconds: float


def build_scheduler(jobs: Iterable[Job]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for item in jobs:
        scheduler.add_job(
            _guarded(item),
            "interval",
            seconds=item.every_seconds,
            id=item.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(30, int(item.every_seconds)),  # a busy loop delays a job, never skips it
        )
    return scheduler


def _guarded(item: Job) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        metrics.JOB_RUNS.labels(item.name).inc()
        with structlog.contextvars.bound_contextvars(job=item.name):  # on each of the run's log lines
            try:
                await item.run()
            except Exception:
                metrics.JOB_FAILURES.labels(item.name).inc()
                log.exception("job %s failed", item.name)

    return run
