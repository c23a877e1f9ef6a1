"""Ledger fixtures: a private migrated database for the tests that look at the whole ledger
(audit, totals), so that other tests' rows (or a deliberately corrupted row) never mix in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine, make_session_factory
from core.ledger import AccountRef, Purpose, transfer
from core.money import Asset
from tests.conftest import Databases


@pytest.fixture
async def private_url(databases: Databases) -> str:
    url = await databases.create("koxx_ledger")
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return url


@pytest.fixture
async def private_engine(private_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(private_url, pool_size=40, max_overflow=0, pool_pre_ping=False)
    yield engine
    await engine.dispose()


@pytest.fixture
def private_factory(private_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(private_engine)


Deposit = Callable[..., Awaitable[None]]


@pytest.fixture
def deposit(session_factory: async_sessionmaker[AsyncSession]) -> Deposit:
    """Credit a user from the outside world (committed), as the deposit scanner would."""
    async def _deposit(
        user_id: int, amount: int, asset: Asset = Asset.USDT, factory: async_sessionmaker[AsyncSession] | None = None
    ) -> None:
        async with (factory or session_factory)() as s, s.begin():
            await transfer(
                s, kind="deposit", key=f"test-deposit:{uuid.uuid4().hex}",
                src=AccountRef.platform(Purpose.DEPOSITS), dst=AccountRef.user(user_id),
                asset=asset, amount=amount, ref=f"tx:test-{user_id}",
            )

    return _deposit
