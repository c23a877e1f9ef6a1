"""KYC limits in the taking conversation: a level-0 buyer is told their limit and how to raise
it; a buyer stopped by the seller's limit is told it is the other side's, not theirs."""

from __future__ import annotations

from sqlalchemy import func, select, update

from core.escrow.models import Trade
from core.users import User
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import press, publish_sell_offer, say, step


async def set_level(market: Market, user_id: int, level: int) -> None:
    async with market.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == user_id).values(kyc_level=level))


async def trades_of(market: Market, buyer_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Trade).where(Trade.buyer_id == buyer_id)) or 0)


async def try_to_take(market: Market, buyer, offer_id: int, fiat: str) -> str:  # type: ignore[no-untyped-def]
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, fiat, "Check before you confirm")
    refused = await press(buyer, "Confirm and open the trade")
    return (await refused.answer()).text or ""  # the refusal is shown as an alert


async def test_level_0_buyer_is_told_the_limit_and_how_to_raise_it(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await set_level(market, seller.id, 2)
    await fund(market.session_factory, seller.id, 1_000)
    offer_id = await publish_sell_offer(market, seller, amount="600", max_fiat="786,000")

    told = await try_to_take(market, buyer, offer_id, "393,000")  # 300 USDT: above level 0's 200 per trade
    assert "above your limit" in told and "/verify" in told
    assert await trades_of(market, buyer.id) == 0


async def test_the_sellers_limit_is_named_as_the_other_sides(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await set_level(market, buyer.id, 2)
    await fund(market.session_factory, seller.id, 1_000)
    await set_level(market, seller.id, 2)
    offer_id = await publish_sell_offer(market, seller, amount="600", max_fiat="786,000")
    await set_level(market, seller.id, 0)  # the seller's level drops (e.g. a moderator's decision)

    told = await try_to_take(market, buyer, offer_id, "393,000")
    assert "The other side cannot trade this much today" in told
    assert "your limit" not in told
    assert await trades_of(market, buyer.id) == 0
