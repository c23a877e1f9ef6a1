"""The marketplace end to end: its own migrated database (the ledger audit and browsing look at
the whole database, so other areas' rows must not mix in), reference rates, and helpers to fund
a trader and read balances."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine, make_session_factory, transaction
from core.escrow import market as escrow_market
from core.escrow import offers as escrow_offers
from core.escrow.models import Offer
from core.ledger import AccountRef, Purpose, balance
from core.money import MICRO, Asset, Fiat
from tests.conftest import Databases
from tests.e2e.harness import Market, running_market
from tests.money import balance_of, deposit

T = "7100000001:test-traders-token"  # the traders' bot in the harness
RATE_USDT_IQD = Decimal("1310")
RATE_USDT_USD = Decimal("1.00")


@pytest.fixture(scope="session")
async def market_db(databases: Databases) -> str:
    url = await databases.create("koxx_market")
    await prepare_market(url)
    return url


async def prepare_market(url: str) -> None:
    """An empty database made a market: migrated, with reference rates."""
    engine = make_engine(url)
    await migrate.upgrade(engine)
    async with transaction(make_session_factory(engine)) as s:
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=RATE_USDT_IQD, actor_id=None)
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.USD, rate=RATE_USDT_USD, actor_id=None)
    await engine.dispose()


@pytest.fixture
async def market(market_db: str, tmp_path: Path) -> AsyncIterator[Market]:
    async with running_market(market_db, tmp_path) as running:
        yield running
    await close_all_offers(market_db)


async def close_all_offers(url: str) -> None:
    """Each test starts with an empty market (browsing shows every open offer in the database)."""
    engine = make_engine(url)
    try:
        async with transaction(make_session_factory(engine)) as s:
            open_ids = (await s.execute(select(Offer.id).where(Offer.status != "closed"))).scalars().all()
            for offer_id in open_ids:
                await escrow_offers.close_offer(s, offer_id=offer_id, actor_id=0, by_admin=True)
    finally:
        await engine.dispose()


async def fund(factory: async_sessionmaker[AsyncSession], user_id: int, units: int, asset: Asset = Asset.USDT) -> None:
    """A deposit straight through the ledger, in whole units."""
    await deposit(factory, user_id, units * MICRO, asset)


async def available(factory: async_sessionmaker[AsyncSession], user_id: int, asset: Asset = Asset.USDT) -> int:
    return await balance_of(factory, AccountRef.user(user_id), asset)


async def fees(factory: async_sessionmaker[AsyncSession], asset: Asset = Asset.USDT) -> int:
    async with factory() as s:
        return await balance(s, AccountRef.platform(Purpose.FEES), asset)
