"""The offers channel when the market is busier than Telegram lets a bot post: about 20 times a
minute to a channel, while an offer can be taken several times a second. Each queued change of
an offer carries its whole state, so the post is edited once, to the newest state, and an offer
published and closed before its turn is never posted."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import func, select

from botkit import fmt
from botkit.rendering import Recipient
from core import escrow, outbox, users
from core.db import transaction
from core.escrow import OfferDraft, Side
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from tests.e2e.harness import Market, eventually
from tests.market.conftest import fund
from tests.market.flows import publish_sell_offer
from tests.rendering import render_row


def _channel_calls(market: Market, method: str) -> int:
    """How many times the bot called ``method`` on the offers channel (this test's own)."""
    channel = str(market.offers_channel.id)
    return len([c for c in market.tg.calls(market.traders, method) if str(c.params.get("chat_id")) == channel])


def _post(market: Market, offer_id: int) -> str | None:
    shown = [p.text for p in market.tg.channel_posts(market.offers_channel) if f"#{offer_id} " in p.text]
    assert len(shown) <= 1
    return shown[0] if shown else None


async def _pending(market: Market, offer_id: int) -> int:
    """The offer's changes still to go to the channel."""
    async with market.session_factory() as s:
        stmt = select(func.count()).where(
            OutboxMessage.recipient == outbox.OFFERS_CHANNEL, OutboxMessage.latest_key == f"offer:{offer_id}",
            OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))  # fmt: skip
        return int((await s.execute(stmt)).scalar_one())


async def _settled(market: Market, offer_id: int) -> bool:
    return await _pending(market, offer_id) == 0


async def test_three_quick_takes_edit_the_channel_post_once_to_what_is_left(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)  # 200 USDT at 1,310 IQD
    await market.tg.wait_for_post(market.offers_channel, contains=f"#{offer_id} ")
    await eventually(lambda: _settled(market, offer_id))  # the post's row is marked sent
    notifier = market.stop_notifier()
    edits_before = _channel_calls(market, "editMessageText")

    for n in range(3):  # 3 x 65,500 IQD = 3 x 50 USDT, within a second
        buyer = market.user(f"Buyer {n}", lang="en")
        async with transaction(market.session_factory) as s:
            await users.register(s, user_id=buyer.id, username=None, first_name=buyer.first_name)
            await escrow.take(s, offer_id=offer_id, taker_id=buyer.id, fiat_amount=Decimal(65_500))
    assert await _pending(market, offer_id) == 3

    left = fmt.crypto(50 * MICRO, "USDT", "ar")  # the channel reads in Arabic
    assert left not in (_post(market, offer_id) or "")
    for _ in range(100):  # the channel's turn comes 3 s after the post (Telegram's group limit)
        await notifier.deliver_due()
        if left in (_post(market, offer_id) or ""):
            break
        await asyncio.sleep(0.1)
    assert left in (_post(market, offer_id) or "")
    assert _channel_calls(market, "editMessageText") == edits_before + 1
    assert await _pending(market, offer_id) == 0


async def test_an_offer_closed_before_its_turn_is_never_posted(market: Market) -> None:
    notifier = market.stop_notifier()
    maker = market.user("Maher", lang="en")
    await fund(market.session_factory, maker.id, 500)
    async with transaction(market.session_factory) as s:
        await users.register(s, user_id=maker.id, username=None, first_name=maker.first_name)
        offer = await escrow.publish_offer(s, maker_id=maker.id, draft=OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, min_fiat=Decimal(50_000),
            max_fiat=Decimal(131_000), payment_methods=("zaincash",), payment_window=30, price=Decimal(1310)))  # fmt: skip
        offer_id = offer.id
    async with transaction(market.session_factory) as s:
        await escrow.close_offer(s, offer_id=offer_id, actor_id=maker.id)
    assert await _pending(market, offer_id) == 2  # published, closed

    for _ in range(50):
        await notifier.deliver_due()
        if await _pending(market, offer_id) == 0:
            break
        await asyncio.sleep(0.1)
    assert await _pending(market, offer_id) == 0
    assert _channel_calls(market, "sendMessage") == 0
    assert _post(market, offer_id) is None


def test_an_offer_taken_down_to_less_than_one_trade_leaves_the_channel() -> None:
    """The take's change says the rest is not takeable (core.escrow.offers.announce_offer): the
    post goes at once, not only when the last trade finishes and the offer closes."""
    payload = {"offer_id": 7, "status": "active", "remaining": 2 * MICRO, "takeable": False, "maker_id": 1,
               "side": "sell", "asset": "USDT", "fiat": "IQD", "price_type": "fixed", "price": "1310", "amount": 200 * MICRO,
               "min_fiat": "10000", "max_fiat": "500000", "payment_window": 30}  # fmt: skip
    rendered = render_row("offer.updated", payload, Recipient("channel", -100, "ar"))
    assert rendered is not None and rendered.delete and rendered.post_key == "offer:7"
