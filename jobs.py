"""The features' scheduled jobs, registered with ``scheduler.job``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

import core.accounts.jobs  # noqa: F401  (premium expiry, KYC document retention)
from core import escrow
from core.db import transaction
from scheduler import job

if TYPE_CHECKING:
    from webhook import Runtime


async def _escrow_job(runtime: Runtime, run: Callable[[AsyncSession], Awaitable[Any]]) -> None:
    """One core timer in its own transaction; wakes the notifier when it queued something."""
    from bot.notifications.escrow import remember_bot

    if runtime.trader_bot is not None:
        await remember_bot(runtime.trader_bot)
    assert runtime.session_factory is not None
    async with transaction(runtime.session_factory) as session:
        done = await run(session)
    if done:
        runtime.wake_notifier.set()


@job("escrow.expire_due", every_seconds=5)
async def expire_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.expire_due)


@job("escrow.escalate_due", every_seconds=5)
async def escalate_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.escalate_due)


@job("escrow.remind_due", every_seconds=5)
async def remind_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.remind_due)
