"""Proof-of-reserves fixtures: a private migrated database (the snapshot reads the whole ledger,
so other areas' rows must not mix in) and the escrow tests' ``World`` of helpers over it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine, make_session_factory, transaction
from core.escrow import market
from core.money import Asset, Fiat
from tests.conftest import Databases
from tests.escrow.conftest import RATE_USDT_IQD, World

SECRET = b"reserves-test-secret"


@pytest.fixture
async def reserves_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    url = await databases.create("koxx_reserves")
    engine = make_engine(url, pool_size=8, max_overflow=8)
    await migrate.upgrade(engine)
    async with transaction(make_session_factory(engine)) as s:
        await market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=RATE_USDT_IQD, actor_id=None)
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(reserves_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(reserves_engine)


@pytest.fixture
def world(factory: async_sessionmaker[AsyncSession]) -> World:
    return World(factory)
