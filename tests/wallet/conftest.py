"""Wallet fixtures: users, and the wallet configuration on the dev xpub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import events, migrate, users
from core.db import make_engine, make_session_factory, transaction
from core.ledger import AccountRef, balance
from core.money import Asset
from core.outbox import OutboxMessage
from core.wallet.config import WalletConfig
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from core.wallet.node import Node
from sandbox.tron.server import TronNodeServer
from tests.conftest import Databases, new_id
from tests.money import deposit

DEV_XPUB = xpub_from_mnemonic(DEV_MNEMONIC)
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@pytest.fixture
def config() -> WalletConfig:
    return WalletConfig(xpub=DEV_XPUB, usdt_contract=USDT)


async def create_user(factory: async_sessionmaker[AsyncSession], kyc_level: int = 0) -> int:
    uid = new_id()
    async with transaction(factory) as s:
        user = await users.register(s, user_id=uid, username=None, first_name=f"u{uid}")
        user.kyc_level = kyc_level
    return uid


@pytest.fixture
def make_user(session_factory: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[int]]:
    async def make(kyc_level: int = 0) -> int:
        return await create_user(session_factory, kyc_level)

    return make


async def fund(factory: async_sessionmaker[AsyncSession], uid: int, asset: Asset, amount: int) -> None:
    """Credit a user as a deposit would (the ledger's own entry, not the scanner)."""
    await deposit(factory, uid, amount, asset)


async def available(factory: async_sessionmaker[AsyncSession], uid: int, asset: Asset) -> int:
    async with factory() as s:
        return await balance(s, AccountRef.user(uid), asset)


@pytest.fixture
async def tron() -> AsyncIterator[TronNodeServer]:
    """A fresh local TRON node (blocks are mined on demand through ``tron.node``)."""
    async with TronNodeServer() as server:
        yield server


class Sleeps:
    """Records back-off sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def node(tron: TronNodeServer, sleeps: Sleeps) -> AsyncIterator[Node]:
    client = Node(tron.url, sleep=sleeps)
    yield client
    await client.close()


@pytest.fixture
async def fresh_factory(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A database of its own (the scanner's cursor is global to a database)."""
    url = await databases.create("koxx_w")
    engine = make_engine(url, pool_size=10, max_overflow=5)
    await migrate.upgrade(engine)
    yield make_session_factory(engine)
    await engine.dispose()


async def outbox_rows(factory: async_sessionmaker[AsyncSession], event: type[events.Event]) -> list[OutboxMessage]:
    async with factory() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == events.kind_of(event)).order_by(OutboxMessage.id)
        )
        return list(rows)
