"""Ranking that protects newcomers (issue 22): a bait price far from the reference rate is
listed below a fair one; repeated trades between two friends stop adding reputation; a trader
with few trades sees experienced makers first."""

from __future__ import annotations

from decimal import Decimal

from core import escrow
from core.escrow import ranking
from core.escrow.models import Side
from core.money import Asset, Fiat
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import publish_sell_offer, say, step
from tests.protection.trading import completed_trade, trader


def order_in(text: str, *offer_ids: int) -> list[int]:
    return sorted(offer_ids, key=lambda i: text.index(f"#{i} ·"))


async def test_an_offer_priced_far_off_is_listed_below_a_fair_one(market: Market) -> None:
    bait, fair = await market.newcomer("Bait", lang="en"), await market.newcomer("Fair", lang="en")
    buyer = await market.newcomer("Buyer", lang="en")
    for maker in (bait, fair):
        await fund(market.session_factory, maker.id, 500)
    cheap = await publish_sell_offer(market, bait, price="1,240", max_fiat="248000")  # 5.3% under 1,310
    honest = await publish_sell_offer(market, fair, price="1,315")

    await say(buyer, "/offers", "Do you want to buy or to sell?")
    listing = await step(buyer, "I want to buy", "Buy USDT with IQD")
    assert order_in(listing.text, cheap, honest) == [honest, cheap]
    warned = listing.text.split(f"#{cheap} ·")[1]
    assert "Far from the market rate" in warned
    assert "Far from the market rate" not in listing.text.split(f"#{honest} ·")[1].split(f"#{cheap} ·")[0]


async def test_two_friends_trading_back_and_forth_gain_no_reputation_after_the_first_trades(market: Market) -> None:
    factory = market.session_factory
    ali, omar = await trader(factory), await trader(factory)
    scores, credited = [], []
    for n in range(6):  # back and forth: Ali sells, then Omar sells
        seller, buyer = (ali, omar) if n % 2 == 0 else (omar, ali)
        await completed_trade(factory, seller, buyer)
        async with factory() as s:
            stats = await escrow.user_stats(s, ali)
        scores.append(ranking.trust_score(stats))
        credited.append(stats.credited_trades)
    assert stats.completed_trades == 6 and stats.counterparties == 1
    assert credited == [1, 2, 3, 3, 3, 3]
    assert scores[2] == scores[3] == scores[4] == scores[5]

    # An honest maker with fewer trades, each with a different buyer, ranks above Ali at one price.
    honest = await market.newcomer("Huda", lang="en")
    for _ in range(3):
        await completed_trade(factory, honest.id, await trader(factory))
    viewer = await market.newcomer("Viewer", lang="en")
    await fund(factory, ali, 500)
    async with factory() as s:
        ali_offer = await escrow.publish_offer(s, maker_id=ali, draft=escrow.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=200 * 10**6, price=Decimal("1310"),
            min_fiat=Decimal("50000"), max_fiat=Decimal("262000"), payment_methods=("zaincash",)))  # fmt: skip
        await s.commit()
    await fund(factory, honest.id, 500)
    huda_offer = await publish_sell_offer(market, honest)
    await say(viewer, "/offers", "Do you want to buy or to sell?")
    listing = await step(viewer, "I want to buy", "Buy USDT with IQD")
    assert order_in(listing.text, ali_offer.id, huda_offer) == [huda_offer, ali_offer.id]
    assert "6 trades" in listing.text and "3 trades" in listing.text


async def test_a_newcomer_sees_experienced_makers_first(market: Market) -> None:
    factory = market.session_factory
    veteran = await market.newcomer("Veteran", lang="en")
    for _ in range(5):
        await completed_trade(factory, veteran.id, await trader(factory))
    novice = await market.newcomer("Novice", lang="en")
    for maker in (veteran, novice):
        await fund(factory, maker.id, 500)
    cheaper = await publish_sell_offer(market, novice, price="1,300", max_fiat="260000")
    proven = await publish_sell_offer(market, veteran, price="1,310")

    newcomer = await market.newcomer("New", lang="en")
    await say(newcomer, "/offers", "Do you want to buy or to sell?")
    listing = await step(newcomer, "I want to buy", "Buy USDT with IQD")
    assert order_in(listing.text, cheaper, proven) == [proven, cheaper]

    # A trader with trades of their own sees the best price first.
    regular = await trader(factory)
    for _ in range(3):
        await completed_trade(factory, await trader(factory), regular)
    async with factory() as s:
        page = await escrow.browse(s, viewer_id=regular, side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD)
    assert [row.offer.id for row in page.items][:2] == [cheaper, proven]
