"""Escrow fixtures: a private migrated database for the marketplace tests (the ledger audit and
browsing look at the whole database, so other areas' rows must not mix in), and a small
``World`` of helpers: users, deposits, balances, offers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import events, migrate, users
from core.db import make_engine, make_session_factory, transaction
from core.escrow import market, offers
from core.escrow.models import Offer, Side, Trade
from core.ledger import AccountRef, Purpose, audit
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from core.users import User
from tests.conftest import Databases, new_id
from tests.money import balance_of, deposit

RATE_USDT_IQD = Decimal("1310")
RATE_USDT_USD = Decimal("1.00")


@pytest.fixture(scope="package")  # closed when the escrow tests are done: connections are shared
async def escrow_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    url = await databases.create("koxx_escrow")
    engine = make_engine(url, pool_size=8, max_overflow=8)
    await migrate.upgrade(engine)
    async with transaction(make_session_factory(engine)) as s:
        await market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=RATE_USDT_IQD, actor_id=None)
        await market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.USD, rate=RATE_USDT_USD, actor_id=None)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="package")
def factory(escrow_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(escrow_engine)


class World:
    """Helpers that each run in their own committed transaction."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    def tx(self) -> Any:
        return transaction(self.factory)

    async def user(self, *, age_days: int = 400, username: str | None = None) -> int:
        uid = new_id()
        async with self.tx() as s:
            await users.register(s, user_id=uid, username=username, first_name=f"u{uid}")
            await s.execute(
                update(User)
                .where(User.id == uid)
                .values(created_at=datetime.now(UTC) - timedelta(days=age_days))
            )
        return uid

    async def fund(self, user_id: int, amount: int, asset: Asset = Asset.USDT) -> None:
        await deposit(self.factory, user_id, amount, asset)

    async def bal(self, account: AccountRef, asset: Asset = Asset.USDT) -> int:
        return await balance_of(self.factory, account, asset)

    async def available(self, user_id: int, asset: Asset = Asset.USDT) -> int:
        return await self.bal(AccountRef.user(user_id), asset)

    async def reserve(self, offer: Offer) -> int:
        return await self.bal(AccountRef.offer_reserve(offer.id, offer.maker_id), Asset(offer.asset))

    async def escrow(self, trade: Trade) -> int:
        return await self.bal(AccountRef.trade_escrow(trade.id, trade.seller_id), Asset(trade.asset))

    async def fees(self, asset: Asset = Asset.USDT) -> int:
        return await self.bal(AccountRef.platform(Purpose.FEES), asset)

    async def offer(self, offer_id: int) -> Offer:
        async with self.factory() as s:
            return await offers.get_offer(s, offer_id)

    async def trade(self, trade_id: int) -> Trade:
        async with self.factory() as s:
            found = await s.get(Trade, trade_id)
            assert found is not None
            return found

    async def sell_offer(self, maker: int | None = None, *, fund: bool = True, **fields: Any) -> Offer:
        """A sell offer of 300 USDT at 1310 IQD, 50,000..500,000 IQD per trade; its maker is first
        given 600 USDT (or twice the amount) unless ``fund`` is False."""
        values: dict[str, Any] = {
            "side": Side.SELL,
            "asset": Asset.USDT,
            "fiat": Fiat.IQD,
            "amount": 300 * MICRO,
            "price": Decimal("1310"),
            "min_fiat": Decimal("50000"),
            "max_fiat": Decimal("500000"),
            "payment_methods": ("zaincash", "fastpay"),
            "payment_window": 30,
        }
        values.update(fields)
        maker = maker or await self.user()
        if fund:
            await self.fund(maker, max(600 * MICRO, values["amount"] * 2))
        async with self.tx() as s:
            return await offers.publish_offer(s, maker_id=maker, draft=offers.OfferDraft(**values))

    async def buy_offer(self, maker: int | None = None, **fields: Any) -> Offer:
        values: dict[str, Any] = {"side": Side.BUY, "price": Decimal("1300")}
        values.update(fields)
        return await self.sell_offer(maker, fund=False, **values)

    async def outbox(self, event: type[events.Event], **match: Any) -> list[OutboxMessage]:
        """Outbox rows of ``event`` whose payload contains ``match``."""
        async with self.factory() as s:
            stmt = select(OutboxMessage).where(OutboxMessage.kind == events.kind_of(event))
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


@pytest.fixture
def world(factory: async_sessionmaker[AsyncSession]) -> World:
    return World(factory)
