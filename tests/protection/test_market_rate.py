"""The reference rate from the market (issue 22): with the admins' window and minimums set, the
rate in force follows the volume-weighted median of completed trades, floating offers with it;
too few trades fall back to the admins' rate; a pinned rate stays; a rate that has not moved
for a while alerts the admins. (TRX for IQD: no other test trades it in this database.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, update

from core import escrow
from core.db import transaction
from core.escrow import OfferDraft, Side
from core.escrow.models import MarketRate
from core.money import MICRO, Asset, Fiat
from tests.e2e.harness import Market
from tests.money import deposit
from tests.protection.trading import completed_trade, trader

TRX, IQD = Asset.TRX, Fiat.IQD


@pytest.fixture
async def trx_market(market: Market) -> AsyncIterator[Market]:
    yield market
    async with transaction(market.session_factory) as s:
        await s.execute(delete(MarketRate).where(MarketRate.asset == TRX.value, MarketRate.fiat == IQD.value))


async def admin(market: Market, command: str, expect: str) -> str:
    await market.admin.send(market.admin_bot, command)
    return (await market.admin.wait_for(market.admin_bot, contains=expect)).text


async def follow(market: Market) -> None:
    async with transaction(market.session_factory) as s:
        await escrow.follow_market_due(s)


async def rate(market: Market) -> tuple[Decimal | None, str]:
    async with market.session_factory() as s:
        row = await s.get(MarketRate, (TRX.value, IQD.value), populate_existing=True)
        return (row.rate, row.source) if row else (None, "")


async def floating_price(market: Market, viewer: int) -> Decimal:
    async with market.session_factory() as s:
        page = await escrow.browse(s, viewer_id=viewer, side=Side.SELL, asset=TRX, fiat=IQD)
    return next(row.price for row in page.items if row.offer.margin_pct is not None)


async def test_the_rate_follows_completed_trades_and_falls_back(trx_market: Market) -> None:
    market, factory = trx_market, trx_market.session_factory
    await admin(market, "/rate TRX IQD 300", "Reference rate TRX/IQD is now")
    for name, value in (("market_rate_window_hours", 24), ("market_rate_min_trades", 3),
                        ("market_rate_min_volume", 400)):  # fmt: skip
        await admin(market, f"/set {name} {value}", f"{name} is now {value}")
    maker, viewer = await trader(factory), await trader(factory)
    await deposit(factory, maker, 200 * MICRO, TRX)
    async with transaction(factory) as s:  # a floating offer: 1% over the reference rate
        await escrow.publish_offer(s, maker_id=maker, draft=OfferDraft(
            side=Side.SELL, asset=TRX, fiat=IQD, amount=100 * MICRO, margin_pct=Decimal("1"),
            min_fiat=Decimal("1000"), max_fiat=Decimal("30000"), payment_methods=("zaincash",)))  # fmt: skip
    assert await floating_price(market, viewer) == Decimal("303")

    # Two trades: too few; the admins' rate stays.
    for price, units in ((Decimal("310"), 100), (Decimal("320"), 100)):
        await completed_trade(factory, await trader(factory), await trader(factory), price * units,
                              asset=TRX, price=price, units=units)  # fmt: skip
    await follow(market)
    assert await rate(market) == (Decimal("300"), "admin")

    # A third, larger one: the volume-weighted median is 330 (the plain median would be 320).
    await completed_trade(factory, await trader(factory), await trader(factory), Decimal("330") * 300,
                          asset=TRX, price=Decimal("330"), units=300)  # fmt: skip
    await follow(market)
    assert await rate(market) == (Decimal("330"), "market")
    told = await market.admin.wait_for(market.admin_bot, contains="now follows the market")
    assert "TRX/IQD" in told.text and "330" in told.text
    assert await floating_price(market, viewer) == Decimal("333")
    listed = await admin(market, "/market", "Reference rates")
    assert "from the market" in listed

    # Pinned: the admins' rate again, and the market leaves it alone.
    await admin(market, "/pin TRX IQD", "is pinned at")
    await follow(market)
    assert await rate(market) == (Decimal("300"), "admin")
    await admin(market, "/unpin TRX IQD", "follows the market again")
    await follow(market)
    assert await rate(market) == (Decimal("330"), "market")

    # The minimum volume raised above what traded: back to the admins' rate.
    await admin(market, "/set market_rate_min_volume 10000", "market_rate_min_volume is now 10000")
    await follow(market)
    assert await rate(market) == (Decimal("300"), "admin")
    assert await floating_price(market, viewer) == Decimal("303")


async def test_a_rate_that_does_not_move_alerts_the_admins(trx_market: Market) -> None:
    market = trx_market
    await admin(market, "/rate TRX IQD 300", "Reference rate TRX/IQD is now")
    async with transaction(market.session_factory) as s:
        await s.execute(update(MarketRate).where(MarketRate.asset == TRX.value)
                        .values(updated_at=datetime.now(UTC) - timedelta(hours=30)))  # fmt: skip
    await follow(market)
    alert = await market.admin.wait_for(market.admin_bot, contains="has stayed at")
    assert "TRX/IQD" in alert.text
    await follow(market)  # once
    assert sum("has stayed at" in m.text and "TRX/IQD" in m.text for m in market.admin.chat(market.admin_bot)) == 1
