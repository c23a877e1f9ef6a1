"""The process's scheduled jobs: each core timer bound to what it needs (a session factory, the
settings, the wallet's clients), in its own transaction, waking the notifier when it queued
something. bootstrap.py builds the list; scheduler.py runs it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notifications.escrow import remember_bot
from core import escrow, inbox, outbox
from core.accounts import jobs as accounts_jobs
from core.config import Settings
from core.db import transaction
from core.escrow import premium
from core.reports import snapshots, summary
from core.reserves import jobs as reserves_jobs
from core.reserves.snapshot import secret_of
from core.wallet import gauges
from core.wallet.jobs import WalletJobs
from scheduler import Job

Timer = Callable[[AsyncSession], Awaitable[Any]]


def process_jobs(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    wake_notifier: asyncio.Event,
    trader_bot: Bot,
    wallet: WalletJobs | None,
) -> list[Job]:
    """Every job of the process, ready for ``scheduler.build_scheduler``."""

    async def escrow_timer(run: Timer) -> None:
        await remember_bot(trader_bot)  # the channel posts link to the bot by its username
        async with transaction(session_factory) as session:
            done = await run(session)
        if done:
            wake_notifier.set()

    jobs = [
        Job("outbox.purge", partial(outbox_purge, session_factory, settings.outbox_retention_days), 3600),
        Job("inbox.purge", partial(inbox_purge, session_factory), 3600),
        Job("escrow.expire_due", partial(escrow_timer, escrow.expire_due), 5),
        Job("escrow.escalate_due", partial(escrow_timer, escrow.escalate_due), 5),
        Job("escrow.remind_due", partial(escrow_timer, escrow.remind_due), 5),
        Job("escrow.dispute_deadlines", partial(escrow_timer, escrow.deadlines_due), 10),
        Job("escrow.market_rate", partial(escrow_timer, escrow.follow_market_due), 30),
        Job("escrow.dispute_stats", partial(escrow_timer, escrow.monthly_report_due), 3600),
        Job("accounts.premium_expiry", partial(premium.premium_expiry, session_factory), 300),
        Job("accounts.kyc_retention", partial(accounts_jobs.kyc_retention, session_factory), 3600),
        Job("metrics.refresh", partial(gauges.refresh, session_factory), 30),  # outbox, withdrawals, liabilities
        Job("ledger.audit", partial(gauges.audit_ledger, session_factory), 1800),  # reads every posting
        # the day's holdings and reference rates, for the /stats charts' history
        Job("reports.snapshot", partial(snapshots.snapshot_job, session_factory, wallet), 3600),
        Job("reports.weekly_summary", partial(escrow_timer, summary.post_weekly_summary), 3600),  # once a week
    ]
    if wallet is not None:

        async def wallet_job(run: Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> None:
            if await run(session_factory):
                wake_notifier.set()

        jobs += [
            Job("wallet.scan", partial(wallet_job, wallet.scan), 3),  # deposits: detect, credit when final
            Job("wallet.send", partial(wallet_job, wallet.send), 3),  # approved withdrawals: sign, follow
            Job("wallet.sweep", partial(wallet_job, wallet.sweep), 60),
            Job("wallet.report", partial(wallet_job, wallet.report), 3600),  # hot wallet against liabilities
            Job("wallet.cold", partial(wallet_job, wallet.cold), 300),  # excess to cold storage, refill requests
            Job("metrics.balances", partial(gauges.wallet_balances, wallet.node, wallet.config), 60),
        ]
    if settings.reserves_secret or settings.sandboxed:
        jobs.append(Job("reserves.daily", partial(reserves_daily, session_factory, settings, wallet, wake_notifier), 3600))
    return jobs


async def reserves_daily(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, wallet: WalletJobs | None,
    wake_notifier: asyncio.Event,
) -> None:
    """The day's proof of reserves (and the worker's signatures of it); the channel is told."""
    await reserves_jobs.publish_daily(session_factory, secret_of(settings), wallet)
    wake_notifier.set()


async def outbox_purge(session_factory: async_sessionmaker[AsyncSession], retention_days: int) -> None:
    """Settled notifications older than OUTBOX_RETENTION_DAYS go, a batch at a time."""
    before = datetime.now(UTC) - timedelta(days=retention_days)
    async with transaction(session_factory) as session:
        await outbox.purge_settled(session, before=before)


async def inbox_purge(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Handled update ids go after two days (Telegram stops redelivering after one)."""
    async with transaction(session_factory) as session:
        await inbox.purge(session, before=datetime.now(UTC) - timedelta(days=2))
