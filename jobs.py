"""The features' scheduled jobs, registered with ``scheduler.job``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

import core.accounts.jobs  # noqa: F401  (premium expiry, KYC document retention)
from core import escrow, outbox
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


@job("outbox.purge", every_seconds=3600)
async def outbox_purge(runtime: Runtime) -> None:
    """Settled notifications older than OUTBOX_RETENTION_DAYS go, a batch at a time."""
    assert runtime.session_factory is not None
    before = datetime.now(UTC) - timedelta(days=runtime.settings.outbox_retention_days)
    async with transaction(runtime.session_factory) as session:
        await outbox.purge_settled(session, before=before)


@job("escrow.expire_due", every_seconds=5)
async def expire_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.expire_due)


@job("escrow.escalate_due", every_seconds=5)
async def escalate_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.escalate_due)


@job("escrow.remind_due", every_seconds=5)
async def remind_due(runtime: Runtime) -> None:
    await _escrow_job(runtime, escrow.remind_due)


async def _wallet_job(runtime: Runtime, name: str) -> None:
    if runtime.wallet is None or runtime.session_factory is None:
        return
    result = await getattr(runtime.wallet, name)(runtime.session_factory)
    if result:
        runtime.wake_notifier.set()


@job("wallet.scan", every_seconds=3)
async def wallet_scan(runtime: Runtime) -> None:
    """Deposits: detect, then credit after confirmations."""
    await _wallet_job(runtime, "scan")


@job("wallet.send", every_seconds=3)
async def wallet_send(runtime: Runtime) -> None:
    """Approved withdrawals: sign, broadcast, follow to confirmation."""
    await _wallet_job(runtime, "send")


@job("wallet.sweep", every_seconds=60)
async def wallet_sweep(runtime: Runtime) -> None:
    await _wallet_job(runtime, "sweep")


@job("wallet.report", every_seconds=3600)
async def wallet_report(runtime: Runtime) -> None:
    """Hot wallet against liabilities; alerts go to the payments channel."""
    await _wallet_job(runtime, "report")
