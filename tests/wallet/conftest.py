"""Wallet fixtures: users, and the wallet configuration on the dev xpub."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import users
from core.db import transaction
from core.ledger import AccountRef, Purpose, balance, transfer
from core.money import Asset
from core.wallet.config import WalletConfig
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from tests.conftest import new_id

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
    async with transaction(factory) as s:
        await transfer(
            s, kind="deposit", key=f"test-fund:{uid}:{asset}:{new_id()}",
            src=AccountRef.platform(Purpose.DEPOSITS), dst=AccountRef.user(uid), asset=asset, amount=amount,
        )


async def available(factory: async_sessionmaker[AsyncSession], uid: int, asset: Asset) -> int:
    async with factory() as s:
        return await balance(s, AccountRef.user(uid), asset)
