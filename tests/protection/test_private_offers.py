"""Private offers and trusted traders (issue 22): a private offer is reachable only by its link
(or its QR code), never listed nor posted in the channel; an offer for trusted traders is listed
to the traders its maker completed a trade with or added by nickname, and to nobody else."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from core import escrow
from core.accounts import names
from core.errors import DomainError
from core.escrow.models import Side
from core.money import Asset, Fiat
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import T, committed, press, say, step
from tests.protection.trading import completed_trade, trader


async def publish_with_visibility(market: Market, seller, choice: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """/newoffer at the reference price, 200 USDT, ZainCash; "Who sees it" under More options."""
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await press(seller, "Sell crypto")
    asked = await seller.wait_for(T, match=lambda m: "Which asset" in m.text or "Reference rate now" in m.text)
    if "Which asset" in asked.text:
        await step(seller, "USDT · IQD", "Reference rate now")
    await say(seller, "1,310", "How much USDT do you want to sell")
    methods = await say(seller, "200", "Which payment methods")
    if "✅ ZainCash" not in str(methods.buttons):
        await press(seller, "ZainCash")
        await seller.wait_for(T, match=lambda m: "✅ ZainCash" in str(m.buttons))
    await step(seller, "Done", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Who sees it", "Who can see and take this offer?")
    summary = await step(seller, choice, "Your new offer")
    published = await step(seller, "Publish", "Your offer is published")
    return int(published.text.split("Offer #")[1].split(" ")[0]), summary.text + "\n" + published.text


async def listing(user) -> str:  # type: ignore[no-untyped-def]
    await say(user, "/offers", "Do you want to buy or to sell?")
    return (await step(user, "I want to buy", "Buy USDT with IQD")).text


async def test_a_private_offer_is_reachable_only_by_its_link(market: Market) -> None:
    maker = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, maker.id, 500)
    offer_id, shown = await publish_with_visibility(market, maker, "Only people I send its link to")
    assert "Private: only people with its link see it" in shown
    link = shown.split("Its link: ")[1].split()[0]
    assert link.startswith("https://t.me/koxx_p2p_bot?start=p_")
    qr = await maker.wait_for(T, contains=f"Offer #{offer_id}: scan to open it")
    assert qr.photo is not None

    assert f"#{offer_id} ·" not in await listing(buyer)  # never listed
    await asyncio.sleep(1)
    assert not any(f"#{offer_id} " in p.text for p in market.tg.channel_posts(market.offers_channel))
    await say(buyer, f"/start offer_{offer_id}", "That offer no longer exists")  # not by its number

    with pytest.raises(DomainError) as hidden:  # nor by a button forged with its number
        async with market.session_factory() as s, s.begin():
            await escrow.take(s, offer_id=offer_id, taker_id=buyer.id, fiat_amount=Decimal("131000"))
    assert hidden.value.code == "offer_not_found"

    token = link.split("start=")[1]
    await say(buyer, f"/start {token}", f"Offer #{offer_id}")  # the link opens it, and it can be taken
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, "131000", "Check before you confirm")
    opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    await committed(market, int(opened.text.split("Trade #")[1].split(" ")[0]))


async def test_an_offer_for_trusted_traders_is_listed_to_them_only(market: Market) -> None:
    factory = market.session_factory
    maker = await market.newcomer("Huda", lang="en")
    friend = await market.newcomer("Friend", lang="en")
    former = await market.newcomer("Former", lang="en")
    stranger = await market.newcomer("Stranger", lang="en")
    nick = f"zaid_{friend.id % 100000}"
    async with factory() as s, s.begin():
        await names.set_nickname(s, user_id=friend.id, nickname=nick)
    await completed_trade(factory, maker.id, former.id)  # Huda once sold to Former
    await fund(factory, maker.id, 500)
    offer_id, shown = await publish_with_visibility(market, maker, "Only my trusted traders")
    assert "Only your trusted traders see it" in shown

    assert f"#{offer_id} ·" in await listing(former)  # traded with: trusted
    assert f"#{offer_id} ·" not in await listing(friend)
    added = await say(maker, f"/trust {nick}", "is now one of your trusted traders")
    assert nick in added.text
    assert f"#{offer_id} ·" in await listing(friend)
    assert f"#{offer_id} ·" not in await listing(stranger)
    mine = await say(maker, "/trusted", "Your trusted traders")
    assert "Traders you completed a trade with: 1" in mine.text and nick in mine.text
    async with factory() as s, s.begin():
        with pytest.raises(DomainError) as refused:  # the stranger cannot take it by its number either
            await escrow.take(s, offer_id=offer_id, taker_id=stranger.id, fiat_amount=Decimal("131000"))
    assert refused.value.code == "offer_trusted_only"
    await asyncio.sleep(1)
    assert not any(f"#{offer_id} " in p.text for p in market.tg.channel_posts(market.offers_channel))
    async with factory() as s:
        page = await escrow.browse(s, viewer_id=await trader(factory), side=Side.SELL, asset=Asset.USDT,
                                   fiat=Fiat.IQD)  # fmt: skip
    assert offer_id not in [row.offer.id for row in page.items]
