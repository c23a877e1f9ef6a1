"""Ledger fixtures: a private migrated database for the tests that look at the whole ledger
(audit, totals), so that other tests' rows never mix in; it is emptied before each such test
(some corrupt it on purpose)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine, make_session_factory
from core.ledger import AccountRef, Purpose, transfer
from core.money import Asset
from tests.conftest import Databases


async def migrated_database(databases: Databases) -> str:
    url = await databases.create("koxx_ledger")
    engine = make_engine(url, pool_size=1)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def private_server_url(databases: Databases) -> str:
    return await migrated_database(databases)


@pytest.fixture(scope="session")
async def private_engine(private_server_url: str) -> AsyncIterator[AsyncEngine]:
    # 32 clients in the concurrency test, one spare; only 2 stay open between tests (the server's
    # 100 connections are shared by every test module's engine).
    engine = make_engine(private_server_url, pool_size=2, max_overflow=31)
    yield engine
    await engine.dispose()


@pytest.fixture
async def private_url(private_server_url: str, private_engine: AsyncEngine) -> str:
    """The private database, emptied of ledger rows (earlier tests may have corrupted some)."""
    async with private_engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE ledger_postings, ledger_entries, ledger_accounts RESTART IDENTITY CASCADE")
        )
    return private_server_url


@pytest.fixture
def private_factory(private_url: str, private_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(private_engine)


Deposit = Callable[..., Awaitable[None]]


@pytest.fixture
def deposit(session_factory: async_sessionmaker[AsyncSession]) -> Deposit:
    """Credit a user from the outside world (committed), as the deposit scanner would."""

    async def _deposit(
        user_id: int,
        amount: int,
        asset: Asset = Asset.USDT,
        factory: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        async with (factory or session_factory)() as s, s.begin():
            await transfer(
                s,
                kind="deposit",
                key=f"test-deposit:{uuid.uuid4().hex}",
                src=AccountRef.platform(Purpose.DEPOSITS),
                dst=AccountRef.user(user_id),
                asset=asset,
                amount=amount,
                ref=f"tx:test-{user_id}",
            )

    return _deposit
