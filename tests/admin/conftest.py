"""Admin bot fixtures: the whole market with two admins (ADMIN_IDS) and helpers that set up
trades and withdrawals through core calls."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tronpy.keys import PrivateKey

from core import events, users
from core.db import transaction
from core.escrow import market as escrow_market
from core.escrow import offers, trades
from core.escrow.models import Side, Trade
from core.ledger import AccountRef
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from core.users import User
from core.wallet import withdrawals
from core.wallet.config import wallet_config
from core.wallet.models import Withdrawal
from sandbox.telegram import SimUser
from tests.conftest import Databases, new_id
from tests.e2e.harness import Market, running_market
from tests.money import balance_of, deposit


@dataclass
class Staffed:
    market: Market
    admin1: SimUser
    admin2: SimUser

    @property
    def tg(self) -> Any:
        return self.market.tg

    def tx(self) -> Any:
        return transaction(self.market.session_factory)

    async def person(self, name: str, *, lang: str = "en") -> SimUser:
        """A Telegram user known to the database (as if they had used the traders' bot)."""
        sim = self.tg.add_user(name, username=f"{name.lower()}{secrets.token_hex(3)}", language_code=lang,
                               user_id=new_id())  # fmt: skip
        async with self.tx() as s:
            await users.register(s, user_id=sim.id, username=sim.username, first_name=name)
            await users.set_language(s, sim.id, lang)
        self.tg.start_chat(sim, self.market.traders)  # they have pressed Start in the traders' bot
        return sim

    async def fund(self, user_id: int, amount: int, asset: Asset = Asset.USDT) -> None:
        await deposit(self.market.session_factory, user_id, amount, asset)

    async def bal(self, account: AccountRef, asset: Asset = Asset.USDT) -> int:
        return await balance_of(self.market.session_factory, account, asset)

    async def paid_trade(self, seller: SimUser, buyer: SimUser, *, receipt: tuple[str, str] | None) -> Trade:
        """A sell offer of 100 USDT at 1310 IQD, taken for 131,000 IQD and marked paid 20 minutes
        ago (so a dispute is allowed now)."""
        await self.fund(seller.id, 200 * MICRO)
        earlier = datetime.now(UTC) - timedelta(minutes=20)
        async with self.tx() as s:
            await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
            offer = await offers.publish_offer(s, maker_id=seller.id, draft=offers.OfferDraft(
                side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, price=Decimal(1310),
                min_fiat=Decimal(50000), max_fiat=Decimal(131000), payment_methods=("zaincash",)))  # fmt: skip
        async with self.tx() as s:
            trade = await trades.take(s, offer_id=offer.id, taker_id=buyer.id, fiat_amount=Decimal(131000),
                                      payment_method="zaincash", now=earlier)  # fmt: skip
        async with self.tx() as s:
            paid = await trades.mark_paid(
                s, trade_id=trade.id, actor_id=buyer.id, now=earlier + timedelta(minutes=1),
                receipt=trades.Receipt(*receipt) if receipt else None,
            )  # fmt: skip
        return paid

    async def withdrawal(self, user: SimUser, amount: int) -> Withdrawal:
        """A USDT withdrawal request of ``amount`` by a KYC level 2 user funded for it."""
        await self.fund(user.id, amount + 10 * MICRO)
        async with self.tx() as s:
            await s.execute(update(User).where(User.id == user.id).values(kyc_level=2))
        config = wallet_config(self.market.runtime.settings)
        address = PrivateKey.random().public_key.to_base58check_address()
        async with self.tx() as s:
            return await withdrawals.request_withdrawal(s, config, user_id=user.id, address=address,
                                                        asset=Asset.USDT, amount=amount)  # fmt: skip

    async def outbox(self, event: type[events.Event], **match: Any) -> list[OutboxMessage]:
        async with self.market.session_factory() as s:
            stmt = select(OutboxMessage).where(OutboxMessage.kind == events.kind_of(event))
            if match:
                stmt = stmt.where(OutboxMessage.payload.contains(match))
            return list((await s.execute(stmt.order_by(OutboxMessage.id))).scalars())


@pytest.fixture
async def staffed(databases: Databases, tmp_path: Path) -> AsyncIterator[Staffed]:
    """A private database per test: staff notifications left in another test's outbox (for
    staff who no longer exist) must not reach these admins."""
    ids = [new_id(), new_id()]
    database_url = await databases.create("koxx_admin")
    async with running_market(database_url, tmp_path, admin_ids=ids) as market:
        admin1 = market.tg.add_user("Amira", username=f"amira{secrets.token_hex(3)}", language_code="en", user_id=ids[0])
        admin2 = market.tg.add_user("Basim", username=f"basim{secrets.token_hex(3)}", language_code="ar", user_id=ids[1])
        for admin, lang in ((admin1, "en"), (admin2, "ar")):  # staff write to the admin bot first
            await admin.send(market.admin_bot, "/start")
            await admin.wait_for(market.admin_bot, contains="/disputes")
            async with transaction(market.session_factory) as s:
                await users.set_language(s, admin.id, lang)  # notifications follow the stored language
        yield Staffed(market, admin1, admin2)


def forge_callback(tg: Any, user: SimUser, bot: Any, data: str) -> str:
    """A callback query the user never got a button for (a hand-made client)."""
    sim_bot = tg.find_bot(bot)
    query_id = f"forged{secrets.randbelow(10**9):09d}"
    from sandbox.telegram.state import CallbackRec

    tg.callbacks[query_id] = CallbackRec(query_id, sim_bot.id, user.id, data)
    tg.enqueue(sim_bot, "callback_query", {"id": query_id, "from": user.user_dict(), "chat_instance": "1",
                                           "data": data})  # fmt: skip
    return query_id


async def committed(check: Any, timeout: float = 10.0) -> None:
    """Wait until ``await check()`` is true: a handler replies before its transaction commits."""
    import asyncio

    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the change never committed")
