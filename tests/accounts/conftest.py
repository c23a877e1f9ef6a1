"""Accounts fixtures: a private migrated database (the ledger audit looks at the whole ledger,
so other areas' rows must not mix in) and a small ``Bench`` of helpers that each run in their
own committed transaction: users, deposits, balances, offers, trades, outbox rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import escrow, events, migrate, users
from core.accounts import config
from core.db import make_engine, make_session_factory, transaction
from core.escrow import market, offers
from core.escrow.models import Offer, Side, Trade
from core.ledger import AccountRef, Purpose, audit
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from core.users import User
from tests.conftest import Databases, new_id
from tests.money import balance_of, deposit


@pytest.fixture(scope="session")
async def accounts_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    url = await databases.create("koxx_accounts")
    engine = make_engine(url, pool_size=4, max_overflow=36)  # few idle between tests: the server is shared
    await migrate.upgrade(engine)
    async with transaction(make_session_factory(engine)) as s:
        await market.set_reference_rate(
            s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal("1310"), actor_id=None
        )
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def factory(accounts_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(accounts_engine)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """The code defaults, whatever the environment or a .env says; tests change them with
    ``settings(**values)``."""
    for name in config.AccountsSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    config.get_accounts_settings.cache_clear()
    yield
    config.get_accounts_settings.cache_clear()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    def _set(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), value)
        config.get_accounts_settings.cache_clear()

    return _set


class Bench:
    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    def tx(self) -> Any:
        return transaction(self.factory)

    async def user(
        self,
        *,
        level: int = 0,
        age_minutes: int = 60 * 24 * 400,
        username: str | None = None,
        banned: bool = False,
    ) -> int:
        uid = new_id()
        async with self.tx() as s:
            await users.register(s, user_id=uid, username=username, first_name=f"u{uid}")
            await s.execute(
                update(User)
                .where(User.id == uid)
                .values(
                    created_at=datetime.now(UTC) - timedelta(minutes=age_minutes),
                    kyc_level=level,
                    is_banned=banned,
                )
            )
        return uid

    async def get(self, user_id: int) -> User:
        async with self.factory() as s:
            found = await s.get(User, user_id)
            assert found is not None
            return found

    async def fund(self, user_id: int, amount: int, asset: Asset = Asset.USDT) -> None:
        await deposit(self.factory, user_id, amount, asset)

    async def bal(self, account: AccountRef, asset: Asset = Asset.USDT) -> int:
        return await balance_of(self.factory, account, asset)

    async def available(self, user_id: int, asset: Asset = Asset.USDT) -> int:
        return await self.bal(AccountRef.user(user_id), asset)

    async def platform(self, purpose: Purpose, asset: Asset = Asset.USDT) -> int:
        return await self.bal(AccountRef.platform(purpose), asset)

    async def sell_offer(self, maker: int, amount: int = 2_000 * MICRO) -> Offer:
        """A funded sell offer of ``amount`` USDT at 1,310 IQD, 10,000..5,000,000 IQD per trade."""
        await self.fund(maker, amount * 2)
        draft = offers.OfferDraft(
            side=Side.SELL,
            asset=Asset.USDT,
            fiat=Fiat.IQD,
            amount=amount,
            price=Decimal("1310"),
            min_fiat=Decimal("10000"),
            max_fiat=Decimal("5000000"),
            payment_methods=("zaincash",),
            payment_window=30,
        )
        async with self.tx() as s:
            return await offers.publish_offer(s, maker_id=maker, draft=draft)

    async def outbox(self, event: type[events.Event], recipient: str | None = None, **match: Any) -> list[OutboxMessage]:
        """Outbox rows of ``event`` (to ``recipient``) whose payload contains ``match``."""
        async with self.factory() as s:
            stmt = select(OutboxMessage).where(OutboxMessage.kind == events.kind_of(event))
            if recipient is not None:
                stmt = stmt.where(OutboxMessage.recipient == recipient)
            if match:
                stmt = stmt.where(OutboxMessage.payload.contains(match))
            return list((await s.execute(stmt.order_by(OutboxMessage.id))).scalars())

    async def count(self, model: Any, *conditions: Any) -> int:
        async with self.factory() as s:
            return int(
                (await s.execute(select(func.count()).select_from(model).where(*conditions))).scalar_one()
            )

    async def audit_ok(self) -> None:
        async with self.factory() as s:
            report = await audit(s)
        assert report.ok, report.violations

    async def completed_trade(self, seller: int, buyer: int, usdt: int) -> Trade:
        """A trade of ``usdt`` whole USDT between the two, taken and released."""
        offer = await self.sell_offer(seller, usdt * MICRO)
        async with self.tx() as s:
            trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, crypto_amount=usdt * MICRO)
        async with self.tx() as s:
            return await escrow.release(s, trade_id=trade.id, actor_id=seller)


@pytest.fixture
def bench(factory: async_sessionmaker[AsyncSession]) -> Bench:
    return Bench(factory)
