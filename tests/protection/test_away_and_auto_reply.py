"""Away, business hours and auto-replies (issue 22): an away maker's offers leave the market and
come back on time by themselves; outside business hours they are hidden too; an offer's
auto-reply reaches the taker's chat when a trade opens, and an account number in it is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core import escrow
from core.escrow.availability import local_hour
from core.users import User
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import T, press, publish_sell_offer, say, step, take_offer


async def listing(user) -> str:  # type: ignore[no-untyped-def]
    await say(user, "/offers", "Do you want to buy or to sell?")
    return (await step(user, "I want to buy", "Buy USDT with IQD")).text


async def test_an_away_makers_offers_are_hidden_and_back_on_time(market: Market) -> None:
    maker = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, maker.id, 500)
    offer_id = await publish_sell_offer(market, maker)
    assert f"#{offer_id} ·" in await listing(buyer)

    await say(maker, "/away", "You are available")
    away = await press(maker, "Away 1 hour")
    await away.answer()
    shown = await maker.wait_for(T, contains="You are away until", edited=True)
    assert "your offers are hidden" in shown.text
    assert f"#{offer_id} ·" not in await listing(buyer)
    await say(buyer, f"/start offer_{offer_id}", "The trader of this offer is away right now")  # its link too

    # The hour is almost over: the offer comes back by itself, nobody pressing anything.
    async with market.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == maker.id)
                        .values(away_until=datetime.now(UTC) + timedelta(seconds=2)))  # fmt: skip
    assert f"#{offer_id} ·" not in await listing(buyer)
    await asyncio.sleep(2.5)
    assert f"#{offer_id} ·" in await listing(buyer)


async def test_offers_are_hidden_outside_business_hours(market: Market) -> None:
    maker = await market.newcomer("Huda", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, maker.id, 500)
    offer_id = await publish_sell_offer(market, maker)
    hour = local_hour(datetime.now(UTC))
    closed = f"{(hour + 1) % 24}-{(hour + 3) % 24}"  # opens in an hour: closed now
    told = await say(maker, f"/hours {closed}", "Business hours")
    assert f"{(hour + 1) % 24}:00" in told.text
    assert f"#{offer_id} ·" not in await listing(buyer)
    await say(maker, f"/hours {hour}-{(hour + 2) % 24}", "Business hours")  # open now
    assert f"#{offer_id} ·" in await listing(buyer)
    await say(maker, "/hours 25-3", "Hours are whole numbers from 0 to 23")
    await say(maker, "/hours off", "You are available")
    async with market.session_factory() as s:
        user = await s.get(User, maker.id)
    assert user is not None and user.open_from is None


async def test_the_auto_reply_reaches_the_takers_chat(market: Market) -> None:
    maker = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, maker.id, 500)
    await say(maker, "/newoffer", "Do you want to sell crypto or buy it?")
    await press(maker, "Sell crypto")
    asked = await maker.wait_for(T, match=lambda m: "Which asset" in m.text or "Reference rate now" in m.text)
    if "Which asset" in asked.text:
        await step(maker, "USDT · IQD", "Reference rate now")
    await say(maker, "1,310", "How much USDT do you want to sell")
    methods = await say(maker, "200", "Which payment methods")
    if "✅ ZainCash" not in str(methods.buttons):
        await press(maker, "ZainCash")
        await maker.wait_for(T, match=lambda m: "✅ ZainCash" in str(m.buttons))
    await step(maker, "Done", "Your new offer")
    await step(maker, "More options", "More options:")
    await step(maker, "Auto-reply", "Type the message sent into the chat")
    await say(maker, "Pay to 07701234567 please", "cannot be in an offer's public text")  # a number: refused
    summary = await say(maker, "Hi! I confirm payments within 10 minutes, 9:00 to 22:00.", "Your new offer")
    assert "Auto-reply: Hi! I confirm payments" in summary.text
    published = await step(maker, "Publish", "Your offer is published")
    offer_id = int(published.text.split("Offer #")[1].split(" ")[0])

    trade_id = await take_offer(market, buyer, offer_id, "131000")
    told = await buyer.wait_for(T, contains="automatic message", timeout=30)
    assert f"Trade #{trade_id}" in told.text and "I confirm payments within 10 minutes" in told.text
    async with market.session_factory() as s:
        kept = await escrow.messages(s, trade_id)
    assert [(m.sender_id, m.text) for m in kept][:1] == [
        (maker.id, "Hi! I confirm payments within 10 minutes, 9:00 to 22:00.")]
