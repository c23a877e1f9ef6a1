"""Reports fixtures: a private database with a scripted market (trades over two days in two
pairs, a cancelled one, a dispute resolved after three hours, deposits in both assets, a
withdrawal with its network cost, a referral reward, a premium purchase, an internal transfer),
all through core's own calls; and the staffed market of tests/admin for the bot journeys."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tronpy.keys import PrivateKey

from core import migrate, users
from core.accounts import names
from core.db import make_engine, make_session_factory, transaction
from core.escrow import disputes, market, offers, premium, trades
from core.escrow.models import Side
from core.ledger import AccountRef, Purpose, balance, transfer
from core.money import MICRO, Asset, Fiat
from core.reports import periods, snapshots
from core.users import User
from core.wallet import transfers, withdrawals
from core.wallet.config import WalletConfig
from core.wallet.models import Sweep, SweepStatus, Withdrawal
from tests.admin.conftest import staffed  # noqa: F401  (the bot journeys' fixture)
from tests.conftest import Databases, new_id
from tests.wallet.conftest import DEV_XPUB, USDT

FEE_ACCOUNTS = (Purpose.FEES, Purpose.REVENUE, Purpose.NETWORK_FEES)
SWEEP_GAS = 27_500_000  # TRX (sun) the script's one sweep sent as gas


@dataclass
class Script:
    factory: async_sessionmaker[AsyncSession]
    seller: int
    buyer: int
    buyer2: int
    referrer: int
    yesterday_trade: int
    withdrawal: Withdrawal
    period: periods.Period  # yesterday and today
    fees_before: dict[tuple[Purpose, Asset], int]
    fees_after: dict[tuple[Purpose, Asset], int]

    def tx(self) -> Any:
        return transaction(self.factory)


async def _fee_balances(factory: async_sessionmaker[AsyncSession]) -> dict[tuple[Purpose, Asset], int]:
    async with factory() as s:
        return {(p, a): await balance(s, AccountRef.platform(p), a) for p in FEE_ACCOUNTS for a in Asset}


async def _person(factory: async_sessionmaker[AsyncSession], nickname: str, *, age_days: int = 400) -> int:
    uid = new_id()
    async with transaction(factory) as s:
        await users.register(s, user_id=uid, username=None, first_name=nickname.title())
        await names.set_nickname(s, user_id=uid, nickname=f"{nickname}{secrets.token_hex(2)}")
        await s.execute(update(User).where(User.id == uid).values(
            created_at=datetime.now(UTC) - timedelta(days=age_days), kyc_level=1))  # fmt: skip
    return uid


async def _deposit(factory: async_sessionmaker[AsyncSession], user_id: int, micro: int, asset: Asset = Asset.USDT) -> str:
    """A deposit's ledger entry, as the scanner posts it (its txid in the memo)."""
    txid = secrets.token_hex(32)
    async with transaction(factory) as s:
        await transfer(s, kind="deposit", key=f"deposit:{txid}:0", src=AccountRef.platform(Purpose.DEPOSITS),
                       dst=AccountRef.user(user_id), asset=asset, amount=micro, ref="deposit:script",
                       memo={"txid": txid, "event_index": 0})  # fmt: skip
    return txid


async def _sold(factory: async_sessionmaker[AsyncSession], offer_id: int, buyer: int, fiat: Decimal, method: str) -> int:
    async with transaction(factory) as s:
        trade = await trades.take(s, offer_id=offer_id, taker_id=buyer, fiat_amount=fiat, payment_method=method)
    async with transaction(factory) as s:
        await trades.mark_paid(s, trade_id=trade.id, actor_id=buyer)
    async with transaction(factory) as s:
        await trades.release(s, trade_id=trade.id, actor_id=trade.seller_id)
    return trade.id


async def _back_one_day(factory: async_sessionmaker[AsyncSession], trade_id: int) -> None:
    """The trade happened yesterday: its times and its ledger entries."""
    async with transaction(factory) as s:
        await s.execute(text(
            "UPDATE trades SET created_at = created_at - interval '1 day', paid_at = paid_at - interval '1 day', "
            "completed_at = completed_at - interval '1 day', expires_at = expires_at - interval '1 day' WHERE id = :id"),
            {"id": trade_id})  # fmt: skip
        await s.execute(text("UPDATE ledger_entries SET created_at = created_at - interval '1 day' WHERE ref = :ref"),
                        {"ref": f"trade:{trade_id}"})  # fmt: skip


async def play_market(factory: async_sessionmaker[AsyncSession]) -> Script:
    before = await _fee_balances(factory)
    async with transaction(factory) as s:
        await market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
        await market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.USD, rate=Decimal("1.00"), actor_id=None)
    seller, buyer = await _person(factory, "sami"), await _person(factory, "basim")
    referrer, buyer2 = await _person(factory, "rana"), await _person(factory, "cala", age_days=10)
    moderator = await _person(factory, "mona")
    async with transaction(factory) as s:
        await s.execute(update(User).where(User.id == buyer2).values(referred_by=referrer))
    await _deposit(factory, seller, 1_000 * MICRO)
    async with transaction(factory) as s:  # the seller's money came two days ago
        await s.execute(text("UPDATE ledger_entries SET created_at = created_at - interval '2 days' "
                             "WHERE kind = 'deposit' AND memo->>'txid' IS NOT NULL"))  # fmt: skip
    await _deposit(factory, buyer, 50 * MICRO)
    await _deposit(factory, buyer2, 500 * MICRO, Asset.TRX)
    async with transaction(factory) as s:
        iqd = await offers.publish_offer(s, maker_id=seller, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=600 * MICRO, price=Decimal(1310),
            min_fiat=Decimal(50000), max_fiat=Decimal(500000), payment_methods=("zaincash", "fastpay")))
        usd = await offers.publish_offer(s, maker_id=seller, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.USD, amount=100 * MICRO, price=Decimal("1.00"),
            min_fiat=Decimal(10), max_fiat=Decimal(100), payment_methods=("fastpay",)))  # fmt: skip
    first = await _sold(factory, iqd.id, buyer, Decimal(131000), "zaincash")  # 100 USDT
    await _back_one_day(factory, first)
    await _sold(factory, iqd.id, buyer2, Decimal(65500), "fastpay")  # 50 USDT, a referral reward
    await _sold(factory, usd.id, buyer2, Decimal(20), "fastpay")  # 20 USDT in USD
    async with transaction(factory) as s:  # a dispute, resolved three hours after it opened
        disputed = await trades.take(s, offer_id=iqd.id, taker_id=buyer, fiat_amount=Decimal(262000),
                                     payment_method="zaincash", now=datetime.now(UTC) - timedelta(minutes=40))
    async with transaction(factory) as s:
        await trades.mark_paid(s, trade_id=disputed.id, actor_id=buyer, now=datetime.now(UTC) - timedelta(minutes=30))
    async with transaction(factory) as s:
        dispute = await disputes.open_dispute(s, trade_id=disputed.id, actor_id=buyer, reason="no release")
    async with transaction(factory) as s:
        await disputes.claim(s, dispute_id=dispute.id, moderator_id=moderator)
        await disputes.resolve(s, dispute_id=dispute.id, moderator_id=moderator, outcome="release", reason="paid")
        await s.execute(text("UPDATE disputes SET opened_at = resolved_at - interval '3 hours' WHERE id = :id"),
                        {"id": dispute.id})
    async with transaction(factory) as s:
        cancelled = await trades.take(s, offer_id=iqd.id, taker_id=buyer, fiat_amount=Decimal(65500),
                                      payment_method="zaincash")  # fmt: skip
    async with transaction(factory) as s:
        await trades.cancel(s, trade_id=cancelled.id, actor_id=buyer)
    async with transaction(factory) as s:
        await premium.buy(s, user_id=buyer, token="script-premium")
    async with transaction(factory) as s:
        await transfers.send(s, sender_id=buyer, recipient_id=buyer2, asset=Asset.USDT, amount=5 * MICRO,
                             token="script-transfer", note="thanks")  # fmt: skip
    config = WalletConfig(xpub=DEV_XPUB, usdt_contract=USDT)
    async with transaction(factory) as s:
        w = await withdrawals.request_withdrawal(s, config, user_id=seller, asset=Asset.USDT, amount=100 * MICRO,
                                                 address=PrivateKey.random().public_key.to_base58check_address())
    async with transaction(factory) as s:  # what the sender does once the chain confirmed it
        found = await s.get(Withdrawal, w.id, with_for_update=True)
        assert found is not None
        found.txid, found.network_cost_sun, found.block_num = secrets.token_hex(32), 13_845_000, 100
        await withdrawals.capture(s, found)
        w = found
    async with transaction(factory) as s:  # a USDT sweep's gas, as the sweeper records it
        s.add(Sweep(user_id=seller, asset="USDT", amount=100 * MICRO, upto_deposit_id=0, status=SweepStatus.DONE,
                    gas_txid=secrets.token_hex(32), gas_sun=SWEEP_GAS, txid=secrets.token_hex(32)))  # fmt: skip
    async with transaction(factory) as s:
        await snapshots.record_day(s)
    today = periods.today()
    return Script(factory, seller, buyer, buyer2, referrer, first, w, periods.days(today - timedelta(days=1), today),
                  before, await _fee_balances(factory))  # fmt: skip


@pytest.fixture(scope="package")
async def reports_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    url = await databases.create("koxx_reports")
    engine = make_engine(url, pool_size=4, max_overflow=4)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="package")
async def script(reports_engine: AsyncEngine) -> Script:
    return await play_market(make_session_factory(reports_engine))
