"""The scheduled jobs (payment-window expiry, reminders, deposit scanning, sweeping, ...).

Each feature adds its job to JOBS: an async function taking the Runtime, and an interval.
Only the process with --role worker (or all) runs them; a job that must run once across
processes takes a PostgreSQL advisory lock itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from webhook import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Runtime], Awaitable[object]]
    every_seconds: float


JOBS: list[Job] = []


def job(
    name: str, every_seconds: float
) -> Callable[[Callable[[Runtime], Awaitable[object]]], Callable[[Runtime], Awaitable[object]]]:
    def register(func: Callable[[Runtime], Awaitable[object]]) -> Callable[[Runtime], Awaitable[object]]:
        JOBS.append(Job(name, func, every_seconds))
        return func

    return register


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    import jobs  # noqa: F401  (registers the features' jobs)

    scheduler = AsyncIOScheduler(timezone="UTC")
    for item in JOBS:
        scheduler.add_job(
            _guarded(item, runtime),
            "interval",
            seconds=item.every_seconds,
            id=item.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(30, int(item.every_seconds)),  # a busy loop delays a job, never skips it
        )
    return scheduler


def _guarded(item: Job, runtime: Runtime) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await item.run(runtime)
        except Exception:
            log.exception("job %s failed", item.name)

    return run
