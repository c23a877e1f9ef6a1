"""The operator's gauges that are read from the database and the chain (core.metrics defines
them), refreshed by the worker's jobs (jobs.py): cheap reads, each on an index or a small table.

    refresh       every 30 s: the outbox's backlog, withdrawals per unsettled state, liabilities
    balances      every 60 s: the hot and cold wallets on chain (two or four node calls)
    audit_ledger  every hour: the ledger audit's result (it reads every posting)
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import metrics
from core.ledger.audit import audit
from core.outbox import OutboxMessage
from core.wallet.config import WalletConfig
from core.wallet.models import Withdrawal
from core.wallet.node import Node
from core.wallet.report import PENDING, balances, liabilities

log = logging.getLogger(__name__)


async def refresh(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as session, session.begin():
        await _outbox(session)
        await _withdrawals(session)
        for asset, owed in (await liabilities(session)).items():
            metrics.LIABILITIES.labels(str(asset)).set(owed)


async def _outbox(session: AsyncSession) -> None:
    waiting = OutboxMessage.delivered_at.is_(None) & OutboxMessage.failed_at.is_(None)
    count, oldest = (
        await session.execute(select(func.count(), func.min(OutboxMessage.created_at)).where(waiting))
    ).one()
    metrics.OUTBOX_BACKLOG.set(count)
    metrics.OUTBOX_OLDEST_AGE.set(_age(oldest))


async def _withdrawals(session: AsyncSession) -> None:
    rows = await session.execute(
        select(Withdrawal.status, func.count(), func.min(Withdrawal.created_at))
        .where(Withdrawal.status.in_([str(s) for s in PENDING]))
        .group_by(Withdrawal.status)
    )
    found = {status: (count, oldest) for status, count, oldest in rows.tuples()}
    for state in PENDING:  # every state has a series, 0 when empty, so that alerts see it
        count, oldest = found.get(str(state), (0, None))
        metrics.WITHDRAWALS.labels(str(state)).set(count)
        metrics.WITHDRAWALS_OLDEST_AGE.labels(str(state)).set(_age(oldest))


async def wallet_balances(node: Node, config: WalletConfig) -> None:
    if config.hot_address:
        for asset, amount in (await balances(node, config, config.hot_address)).items():
            metrics.HOT_BALANCE.labels(str(asset)).set(amount)
    if config.cold_address:
        for asset, amount in (await balances(node, config, config.cold_address)).items():
            metrics.COLD_BALANCE.labels(str(asset)).set(amount)


async def audit_ledger(factory: async_sessionmaker[AsyncSession]) -> bool:
    """Run the ledger audit (read-only); a violation is logged at ERROR and shows as
    koxx_ledger_audit_ok 0."""
    async with factory() as session, session.begin():
        report = await audit(session)
    for line in report.violations:
        log.error("ledger audit: %s", line)
    metrics.LEDGER_AUDIT_OK.set(1 if report.ok else 0)
    metrics.LEDGER_AUDIT_LAST_RUN.set(time.time())
    return report.ok


def _age(since: datetime | None) -> float:
    return max((datetime.now(UTC) - since).total_seconds(), 0.0) if since is not None else 0.0
