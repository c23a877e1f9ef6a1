"""Completed trades straight through core (the reputation a test needs before its journey)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import escrow, users
from core.db import transaction
from core.escrow import OfferDraft, Side
from core.money import MICRO, Asset, Fiat
from core.users import User
from tests.conftest import new_id
from tests.money import deposit


async def trader(factory: async_sessionmaker[AsyncSession], *, kyc_level: int = 2) -> int:
    """A registered trader (verified by default: the daily limits of level 0 stop test volumes)."""
    uid = new_id()
    async with transaction(factory) as s:
        await users.register(s, user_id=uid, username=None, first_name=f"t{uid}")
        await s.execute(update(User).where(User.id == uid).values(kyc_level=kyc_level))
    return uid


async def completed_trade(factory: async_sessionmaker[AsyncSession], seller: int, buyer: int,
                          fiat: Decimal = Decimal("131000"), *, asset: Asset = Asset.USDT,
                          price: Decimal = Decimal("1310"), units: int = 100) -> int:  # fmt: skip
    """``seller`` publishes ``units`` of ``asset`` at ``price`` IQD, ``buyer`` takes ``fiat`` of it,
    pays, and the seller releases; the offer is closed. Returns the trade id."""
    await deposit(factory, seller, units * MICRO + units * MICRO // 100, asset)
    draft = OfferDraft(side=Side.SELL, asset=asset, fiat=Fiat.IQD, amount=units * MICRO, price=price,
                       min_fiat=Decimal("1000"), max_fiat=price * units, payment_methods=("zaincash",))  # fmt: skip
    async with transaction(factory) as s:
        offer = await escrow.publish_offer(s, maker_id=seller, draft=draft)
    async with transaction(factory) as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=fiat)
    async with transaction(factory) as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer)
    async with transaction(factory) as s:
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
        current = await escrow.get_offer(s, offer.id)
        if current.status != "closed":
            await escrow.close_offer(s, offer_id=offer.id, actor_id=seller)
    return trade.id
