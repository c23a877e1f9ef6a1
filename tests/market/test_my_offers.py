"""The maker's own offers: pause hides the offer and removes its channel post, resume brings both
back, a new amount edits the post and the reserve, close removes the post and returns the rest.
Blocking a maker from their profile hides their offers."""

from __future__ import annotations

from botkit import fmt
from core.escrow import get_offer
from core.ledger import audit
from core.money import MICRO
from tests.e2e.harness import Market
from tests.market.conftest import available, fund
from tests.market.flows import publish_sell_offer, say, step


async def test_pause_resume_edit_close_and_the_channel_post(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    channel = market.offers_channel
    tag = f"#{offer_id} "

    def posts() -> list[str]:
        return [p.text for p in market.tg.channel_posts(channel) if tag in p.text]

    await market.tg.wait_for_post(channel, contains=tag)
    listing = await say(seller, "/myoffers", "Your offers")
    assert any(f"#{offer_id}" in label for row in listing.buttons for label in row)
    await step(seller, f"#{offer_id}", "Status: active")
    await step(seller, "Pause", "Offer paused")
    for _ in range(100):
        if not posts():
            break
        await market.tg.changed(0.1)
    assert posts() == []
    await say(buyer, f"/start offer_{offer_id}", "Status: paused")

    await step(seller, "Resume", "Offer resumed")
    await market.tg.wait_for_post(channel, contains=tag)
    await step(seller, "Edit amount", "Type the new amount left to trade")
    await say(seller, "150", "Amount changed")
    edited = await market.tg.wait_for_post(channel, contains=fmt.crypto(150 * MICRO, "USDT", "ar"))
    assert tag in edited.text and len(posts()) == 1
    assert await available(market.session_factory, seller.id) == 500 * MICRO - 150 * MICRO - 300_000

    await step(seller, "Close offer", "for good?")
    await step(seller, "Yes, close it", "Offer closed")
    for _ in range(100):
        if not posts():
            break
        await market.tg.changed(0.1)
    assert posts() == []
    assert await available(market.session_factory, seller.id) == 500 * MICRO
    async with market.session_factory() as s:
        assert (await get_offer(s, offer_id)).status == "closed"
        assert (await audit(s)).ok


async def test_blocking_a_maker_hides_their_offers(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    profile = await step(buyer, "Trader's profile", "Trader profile")
    assert "Account age: 0 days" in profile.text and "Samir" not in profile.text
    await step(buyer, "Block this user", "Blocked")
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, "131000", "You cannot trade with this user.")
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "Trader's profile", "Trader profile")
    await step(buyer, "Unblock", "Unblocked")
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, "131000", "Check before you confirm")
