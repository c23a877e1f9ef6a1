"""The wallet through the Telegram stand-in and the local TRON node: each test gets a database
of its own (the scanner's cursor is global to a database, and the sender sends every approved
withdrawal it finds) and a fresh node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine
from core.ledger import AccountRef
from core.money import Asset
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from core.wallet.models import DepositAddress, Withdrawal
from tests.conftest import Databases
from tests.e2e.harness import Market, eventually, running_market
from tests.money import balance_of, deposit

DEV_XPUB = xpub_from_mnemonic(DEV_MNEMONIC)  # the deposit addresses; the sandbox's dev wallet


@pytest.fixture
async def market(databases: Databases, tmp_path: Path) -> AsyncIterator[Market]:
    url = await databases.create("koxx_walletbot")
    engine = make_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    async with running_market(url, tmp_path, wallet_xpub=DEV_XPUB) as running:
        yield running


async def fund(factory: async_sessionmaker[AsyncSession], user_id: int, asset: Asset, micro: int) -> None:
    """Credit a user straight through the ledger (as a deposit would)."""
    await deposit(factory, user_id, micro, asset)


async def available(factory: async_sessionmaker[AsyncSession], user_id: int, asset: Asset) -> int:
    return await balance_of(factory, AccountRef.user(user_id), asset)


async def withdrawals(factory: async_sessionmaker[AsyncSession], user_id: int) -> list[Withdrawal]:
    async with factory() as s:
        return list(
            await s.scalars(select(Withdrawal).where(Withdrawal.user_id == user_id).order_by(Withdrawal.id))
        )


async def deposit_address_of(factory: async_sessionmaker[AsyncSession], user_id: int) -> str:
    """The user's deposit address (waiting for the commit: the bot answers inside its transaction)."""
    found: list[str] = []

    async def stored() -> bool:
        async with factory() as s:
            row = await s.get(DepositAddress, user_id)
        if row is not None:
            found.append(row.address)
        return row is not None

    await eventually(stored)
    return found[0]
