"""The Confirm button of a quote opens the trade at the quoted price or not at all: when the
maker edited the price, or a floating price followed the reference rate, the taker sees the new
quote with a fresh Confirm button, and nothing moved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from sqlalchemy import func, select

from bot.keyboards.trades import TakeCb
from core.db import transaction
from core.escrow import market as escrow_market
from core.escrow import offers
from core.escrow.models import Side, Trade
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset, Fiat
from sandbox.telegram import SimUser
from tests.e2e.harness import Market
from tests.market.conftest import RATE_USDT_USD, available, fund
from tests.market.flows import committed, publish_sell_offer, say, step


async def trades_on(market: Market, offer_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Trade).where(Trade.offer_id == offer_id)) or 0)


async def reserve(market: Market, offer_id: int, maker_id: int) -> int:
    async with market.session_factory() as s:
        return await balance(s, AccountRef.offer_reserve(offer_id, maker_id), Asset.USDT)


async def confirm_after_the_price_moved(market: Market, buyer: SimUser, offer_id: int, maker_id: int, amount: str,
                                        moved: Callable[[], Awaitable[None]]) -> str:  # fmt: skip
    """Quote ``amount``, let ``moved()`` change the price, press the old Confirm: the new quote,
    nothing opened, no money moved. Returns the new quote's text."""
    quote = await say(buyer, amount, "Check before you confirm")
    before = (await reserve(market, offer_id, maker_id), await available(market.session_factory, buyer.id))
    await moved()
    fresh = await step(buyer, "Confirm and open the trade", "The price changed from", message=quote)
    assert "Check before you confirm" in fresh.text and ["✅ Confirm and open the trade"] in fresh.buttons
    assert await trades_on(market, offer_id) == 0
    assert (await reserve(market, offer_id, maker_id), await available(market.session_factory, buyer.id)) == before
    return fresh.text


async def test_maker_edits_the_price_between_quote_and_confirm(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)  # 1,310 IQD
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")

    async def edit() -> None:
        async with transaction(market.session_factory) as s:
            await offers.edit_offer(s, offer_id=offer_id, actor_id=seller.id, patch=offers.OfferPatch(price=Decimal(1320)))

    text = await confirm_after_the_price_moved(market, buyer, offer_id, seller.id, "131000", edit)
    assert "from 1,310 IQD per 1 USDT to 1,320 IQD per 1 USDT" in text and "You buy: 99.242424 USDT" in text

    # The fresh button opens the trade at exactly the new quote's price.
    opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    trade_id = int(opened.text.split("Trade #")[1].split(" ")[0])
    await committed(market, trade_id)
    async with market.session_factory() as s:
        trade = await s.get(Trade, trade_id)
        assert trade is not None and (trade.price, trade.crypto_amount) == (Decimal(1320), 99_242_424)


async def test_floating_price_moves_between_quote_and_confirm(market: Market) -> None:
    seller = await market.newcomer("Farah", lang="en")
    buyer = await market.newcomer("Karim", lang="en")
    await fund(market.session_factory, seller.id, 500)
    async with transaction(market.session_factory) as s:
        offer = await offers.publish_offer(s, maker_id=seller.id, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.USD, amount=200 * MICRO, margin_pct=Decimal("2"),
            min_fiat=Decimal(10), max_fiat=Decimal(200), payment_methods=("zaincash",)))  # fmt: skip
    await say(buyer, f"/start offer_{offer.id}", f"Offer #{offer.id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")

    async def rate() -> None:
        async with transaction(market.session_factory) as s:
            await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.USD, rate=Decimal("1.05"),
                                                   actor_id=None)  # fmt: skip

    try:
        text = await confirm_after_the_price_moved(market, buyer, offer.id, seller.id, "100", rate)
        assert "from $1.02 per 1 USDT to $1.07 per 1 USDT" in text and "You buy: 93.457943 USDT" in text
        opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    finally:
        async with transaction(market.session_factory) as s:
            await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.USD, rate=RATE_USDT_USD,
                                                   actor_id=None)  # fmt: skip
    trade_id = int(opened.text.split("Trade #")[1].split(" ")[0])
    await committed(market, trade_id)
    async with market.session_factory() as s:
        trade = await s.get(Trade, trade_id)
        assert trade is not None and (trade.price, trade.crypto_amount) == (Decimal("1.07"), 93_457_943)


def test_the_confirm_button_fits_telegrams_64_bytes() -> None:
    """The longest amount and price a quote can carry, on a ten-digit offer id."""
    longest = TakeCb(action="confirm", offer_id=9_999_999_999, amount="9999999999999.99", unit="f",
                      price=Decimal("999999999999999999.99")).pack()  # fmt: skip
    assert len(longest.encode()) <= 64
    assert TakeCb.unpack(longest).price == Decimal("999999999999999999.99")
