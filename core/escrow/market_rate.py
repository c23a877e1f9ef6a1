"""The reference rate from the market (issue 22), for the scheduler.

For each pair with a rate row that is not pinned: the volume-weighted median price of the
trades completed in the last ``market_rate_window_hours`` (the price at which half the traded
volume was at that price or lower), when they are at least ``market_rate_min_trades`` and
``market_rate_min_volume`` whole units; otherwise the admins' rate (``admin_rate``). A pinned
rate stays the admins'. Floating offers follow whatever rate is in force (browse and quotes read
``market_rates.rate``). Admins are told of each change, and once when the rate in force has not
moved for ``market_rate_stale_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError
from core.escrow import market
from core.escrow.models import MarketRate, Trade, TradeStatus
from core.money import MICRO, Asset, Fiat


@dataclass(frozen=True)
class MarketPrice:
    median: Decimal | None  # None without trades
    trades: int
    volume: int  # micro units


async def market_price(session: AsyncSession, asset: Asset, fiat: Fiat, since: datetime) -> MarketPrice:
    """The volume-weighted median price of the pair's trades completed since ``since``."""
    done = (
        select(Trade.price, Trade.crypto_amount,
               func.sum(Trade.crypto_amount).over(order_by=(Trade.price, Trade.id)).label("running"),
               func.sum(Trade.crypto_amount).over().label("total"), func.count().over().label("n"))
        .where(Trade.status == TradeStatus.COMPLETED.value, Trade.asset == asset.value, Trade.fiat == fiat.value,
               Trade.completed_at >= since)
        .subquery()
    )  # fmt: skip
    row = (await session.execute(
        select(done.c.price, done.c.total, done.c.n).where(done.c.running * 2 >= done.c.total)
        .order_by(done.c.running).limit(1)
    )).first()  # fmt: skip
    if row is None:
        return MarketPrice(None, 0, 0)
    return MarketPrice(Decimal(row.price).quantize(fiat.quantum), int(row.n), int(row.total))


async def follow_market_due(
    session: AsyncSession, now: datetime | None = None, *, rules: market.Rules | None = None
) -> list[tuple[str, str]]:
    """Set each pair's rate in force (see the module docstring); returns the pairs changed or
    alerted about."""
    rules = rules or await market.rules(session)
    now = now or datetime.now(UTC)
    rows = (await session.execute(
        select(MarketRate).order_by(MarketRate.asset, MarketRate.fiat).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )).scalars().all()  # fmt: skip
    touched = []
    for row in rows:
        if await _follow(session, row, now, rules) or _stale(session, row, now, rules):
            touched.append((row.asset, row.fiat))
    await session.flush()
    return touched


async def _follow(session: AsyncSession, row: MarketRate, now: datetime, rules: market.Rules) -> bool:
    if row.pinned or not rules.market_rate_window_hours or row.admin_rate is None:
        return False
    asset, fiat = Asset(row.asset), Fiat(row.fiat)
    found = await market_price(session, asset, fiat, now - timedelta(hours=rules.market_rate_window_hours))
    enough = found.trades >= rules.market_rate_min_trades and found.volume >= rules.market_rate_min_volume * MICRO
    rate, source = (found.median, "market") if enough and found.median is not None else (row.admin_rate, "admin")
    if rate == row.rate and source == row.source:
        return False
    old = row.rate
    row.source = source
    if rate == old:
        return False
    row.rate, row.updated_at, row.updated_by, row.stale_alerted_at = rate, now, None, None
    changed = events.ReferenceRateChanged(asset=row.asset, fiat=row.fiat, rate=rate, old_rate=old, by=None,
                                          market=source == "market")  # fmt: skip
    outbox.emit(session, changed, [outbox.ADMINS])
    return True


def _stale(session: AsyncSession, row: MarketRate, now: datetime, rules: market.Rules) -> bool:
    if not rules.market_rate_stale_hours or row.stale_alerted_at is not None:
        return False
    if row.updated_at > now - timedelta(hours=rules.market_rate_stale_hours):
        return False
    row.stale_alerted_at = now
    outbox.emit(session, events.ReferenceRateStale(asset=row.asset, fiat=row.fiat, rate=row.rate,
                                                   since=row.updated_at), [outbox.ADMINS])  # fmt: skip
    return True


async def pin(session: AsyncSession, *, asset: Asset, fiat: Fiat, pinned: bool, actor_id: int | None) -> MarketRate:
    """Pin the admins' rate (the market no longer moves it), or let the market follow again."""
    row = await session.get(MarketRate, (Asset(asset).value, Fiat(fiat).value), with_for_update=True,
                            populate_existing=True)  # fmt: skip
    if row is None or row.admin_rate is None:
        raise DomainError("no_reference_rate", asset=Asset(asset).value, fiat=Fiat(fiat).value)
    row.pinned = pinned
    if pinned and row.rate != row.admin_rate:
        old, row.rate, row.source = row.rate, row.admin_rate, "admin"
        row.updated_at, row.updated_by, row.stale_alerted_at = datetime.now(UTC), actor_id, None
        outbox.emit(session, events.ReferenceRateChanged(asset=row.asset, fiat=row.fiat, rate=row.rate, old_rate=old,
                                                         by=actor_id), [outbox.ADMINS])  # fmt: skip
    await session.flush()
    return row


async def rate_rows(session: AsyncSession) -> list[MarketRate]:
    return list((await session.execute(select(MarketRate).order_by(MarketRate.asset, MarketRate.fiat))).scalars())
