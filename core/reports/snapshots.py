"""The daily readings the charts need a history of: what the platform owes its users per asset
(from the ledger), the hot and cold wallets' balances (from the node, when there is one) and
the reference rates. An hourly job; each run overwrites today's row (Baghdad), so a day keeps
its last reading."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.escrow.models import MarketRate
from core.money import Asset
from core.reports.models import HoldingsDay, RateDay
from core.reports.periods import today
from core.wallet import report as wallet_report
from core.wallet.jobs import WalletJobs


async def record_day(
    session: AsyncSession, *, lines: list[wallet_report.AssetReport] | None = None, now: datetime | None = None
) -> None:
    """Today's row per asset (``lines``: the hot/cold report, None without a node) and per rate."""
    day = today(now)
    owed = await wallet_report.liabilities(session)
    by_asset = {line.asset: line for line in lines or []}
    for asset in Asset:
        line = by_asset.get(asset)
        values = {"liabilities": owed[asset], "hot": line.hot if line else None, "cold": line.cold if line else None}
        stmt = insert(HoldingsDay).values(day=day, asset=asset.value, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["day", "asset"], set_=values))
    for rate in (await session.execute(select(MarketRate))).scalars():
        stmt = insert(RateDay).values(day=day, asset=rate.asset, fiat=rate.fiat, rate=rate.rate)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["day", "asset", "fiat"], set_={"rate": rate.rate})
        )


async def snapshot_job(factory: async_sessionmaker[AsyncSession], wallet: WalletJobs | None) -> None:
    """Read the wallets (outside the transaction: the node may be slow), then record the day."""
    lines = None
    if wallet is not None and wallet.config.hot_address:
        async with factory() as session:
            lines = await wallet_report.hot_wallet_report(
                session, wallet.node, wallet.config, wallet.config.hot_address, alert=False
            )
    async with transaction(factory) as session:
        await record_day(session, lines=lines)
