"""Trader journeys through the Telegram stand-in, in English, reused by several tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sandbox.telegram import SimMessage, SimPress, SimUser
from tests.e2e.harness import Market

T = "7100000001:test-traders-token"
_ACTIONS: dict[int, list[float]] = {}


async def pace(user: SimUser) -> None:
    """The bot drops a user's 6th update within a second (botkit.middlewares.Admission); real people
    are slower than a test, so a test user acts at most 3 times in any 1.1 seconds."""
    now = time.monotonic()
    recent = [t for t in _ACTIONS.get(user.id, []) if now - t < 1.1]
    if len(recent) >= 3:
        await asyncio.sleep(1.1 - (now - recent[0]))
        recent = recent[1:]
    _ACTIONS[user.id] = [*recent, time.monotonic()]


async def press(user: SimUser, label: str, **kwargs: Any) -> SimPress:
    await pace(user)
    return await user.press(T, label, **kwargs)


async def send(user: SimUser, text: str) -> SimMessage:
    await pace(user)
    return await user.send(T, text)


async def send_photo(user: SimUser, data: bytes, **kwargs: Any) -> SimMessage:
    await pace(user)
    return await user.send_photo(T, data, **kwargs)


async def step(user: SimUser, label: str, expect: str, **kwargs: Any) -> SimMessage:
    await press(user, label, **kwargs)
    return await user.wait_for(T, contains=expect)


async def say(user: SimUser, text: str, expect: str) -> SimMessage:
    await send(user, text)
    return await user.wait_for(T, contains=expect)


async def publish_sell_offer(market: Market, seller: SimUser, *, price: str = "1,310", amount: str = "200",
                             min_fiat: str = "50,000", max_fiat: str = "262000") -> int:  # fmt: skip
    """/newoffer in English: sell USDT for IQD at a typed fixed price, ZainCash, 30 minutes, the
    limits and terms set under "More options". Returns its id."""
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await press(seller, "Sell crypto")
    asked = await seller.wait_for(T, match=lambda m: "Which asset, for which currency?" in m.text
                                  or "Reference rate now" in m.text)  # a first offer, or the last one's market
    if "Which asset" in asked.text:
        await step(seller, "USDT · IQD", "Reference rate now")
    await say(seller, price, "How much USDT do you want to sell")
    methods = await say(seller, amount, "Which payment methods")
    if "✅ ZainCash" not in str(methods.buttons):
        await press(seller, "ZainCash")
        await seller.wait_for(T, match=lambda m: "✅ ZainCash" in str(m.buttons))
    await step(seller, "Done", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Limits per trade", "The minimum of one trade")
    await say(seller, min_fiat, "The maximum of one trade")
    await say(seller, max_fiat, "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Terms", "Type your terms")
    await say(seller, "Pay from an account in your own name.", "Your new offer")
    published = await step(seller, "Publish", "Your offer is published")
    return int(published.text.split("Offer #")[1].split(" ")[0])


async def take_offer(market: Market, buyer: SimUser, offer_id: int, amount: str) -> int:
    """From the offer's deep link to an open trade. Returns the trade id."""
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, amount, "Check before you confirm")
    opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    trade_id = int(opened.text.split("Trade #")[1].split(" ")[0])
    await committed(market, trade_id)
    return trade_id


async def committed(market: Market, trade_id: int) -> None:
    """The reply comes just before the update's transaction commits: wait for the trade row."""
    from core.escrow.models import Trade

    for _ in range(200):
        async with market.session_factory() as s:
            if await s.get(Trade, trade_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"trade {trade_id} was never committed")


async def forge(market: Market, user: SimUser, data: str) -> str | None:
    """Send a callback query with any ``callback_data`` as ``user`` (as a modified client could),
    on the user's latest message from the bot; returns the text the bot answered with."""
    import copy
    import secrets

    from sandbox.telegram.state import CallbackRec

    await pace(user)
    tg = market.tg
    sim_bot = tg.find_bot(T)
    latest = next(m for m in reversed(tg.private_dialog(sim_bot, user).visible()) if m.sender_bot is not None)
    query_id = f"{tg.next_id()}{secrets.randbelow(10**9):09d}"
    tg.callbacks[query_id] = CallbackRec(query_id, sim_bot.id, user.id, data)
    tg.enqueue(sim_bot, "callback_query", {
        "id": query_id, "from": user.user_dict(), "message": copy.deepcopy(latest.data),
        "chat_instance": "1", "data": data,
    })  # fmt: skip
    answer = await SimPress(tg, query_id, data, None).answer()
    return answer.text


async def open_trade(market: Market, seller: SimUser, buyer: SimUser, *, fiat: str = "131000") -> tuple[int, int]:
    """A published sell offer and a trade on it by ``buyer`` (seller funded here). (offer, trade) ids."""
    from tests.market.conftest import fund

    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    trade_id = await take_offer(market, buyer, offer_id, fiat)
    return offer_id, trade_id
