"""Money for tests: credit a user as a deposit would, and read balances, through the ledger."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.ledger import AccountRef, Purpose, balance, transfer
from core.money import Asset


async def deposit(
    factory: async_sessionmaker[AsyncSession], user_id: int, micro: int, asset: Asset = Asset.USDT
) -> None:
    """The ledger's deposit entry straight away (no chain, no scanner)."""
    async with transaction(factory) as s:
        await transfer(
            s,
            kind="deposit",
            key=f"test:{uuid.uuid4().hex}",
            src=AccountRef.platform(Purpose.DEPOSITS),
            dst=AccountRef.user(user_id),
            asset=asset,
            amount=micro,
            ref="test",
        )


async def balance_of(
    factory: async_sessionmaker[AsyncSession], account: AccountRef, asset: Asset = Asset.USDT
) -> int:
    async with factory() as s:
        return await balance(s, account, asset)
