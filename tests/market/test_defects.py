"""Defects a new user met on the way through a trade (issue 21), each pinned by a test."""

from __future__ import annotations

import asyncio
import copy
import secrets

import pytest

from botkit.i18n import translate
from core import outbox
from core.db import transaction
from core.events import DepositCredited
from core.money import MICRO
from sandbox.telegram import SimPress, SimUser
from sandbox.telegram.state import CallbackRec
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import T, press, publish_sell_offer, say, step


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_cancelling_a_quote_leaves_a_way_back_to_the_menu(market: Market, lang: str) -> None:
    def tr(msgid: str) -> str:
        return translate(lang, msgid)

    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang=lang)
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    await say(buyer, f"/start offer_{offer_id}", f"#{offer_id}")
    await step(buyer, tr("🤝 Trade"), tr("How much do you want to buy?"))
    await say(buyer, "131000", tr("<b>Check before you confirm</b>").removeprefix("<b>").removesuffix("</b>"))
    cancelled = await step(buyer, tr("✖️ Cancel"), tr("Nothing was opened."))
    assert cancelled.buttons == [[tr("⬅️ Main menu")]]
    await step(buyer, tr("⬅️ Main menu"), "KOXX P2P")


async def test_the_form_refuses_a_maximum_above_what_the_offer_is_worth(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Which asset, for which currency?")
    await step(seller, "USDT · IQD", "Reference rate now")
    await say(seller, "1,310", "How much USDT do you want to sell")
    await say(seller, "200", "Which payment methods")
    await press(seller, "ZainCash")
    await seller.wait_for(T, match=lambda m: "✅ ZainCash" in str(m.buttons))
    await step(seller, "Done", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Limits per trade", "The minimum of one trade")
    await say(seller, "50,000", "The maximum of one trade")
    refused = await say(seller, "300000", "The maximum per trade")
    assert refused.text == ("The maximum per trade (300,000 IQD) is more than the whole offer is worth "
                            "(262,000 IQD). Type at most 262,000 IQD.")  # fmt: skip
    await say(seller, "262000", "Your new offer")  # the form is still at the maximum


async def _burst(market: Market, user: SimUser, presses: int) -> list[str | None]:
    """``presses`` button presses at once (as fast taps would send them); the answer of each."""
    tg = market.tg
    sim_bot = tg.find_bot(T)
    latest = next(m for m in reversed(tg.private_dialog(sim_bot, user).visible()) if m.sender_bot is not None)
    pressed = []
    for _ in range(presses):
        query_id = f"{tg.next_id()}{secrets.randbelow(10**9):09d}"
        tg.callbacks[query_id] = CallbackRec(query_id, sim_bot.id, user.id, "zz:1:2")
        tg.enqueue(sim_bot, "callback_query", {
            "id": query_id, "from": user.user_dict(), "message": copy.deepcopy(latest.data),
            "chat_instance": "1", "data": "zz:1:2",
        })  # fmt: skip
        pressed.append(SimPress(tg, query_id, "zz:1:2", None))
    return [(await p.answer()).text for p in pressed]


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_fast_taps_beyond_the_limit_are_answered_not_left_spinning(market: Market, lang: str) -> None:
    user = await market.newcomer("Fast", lang=lang)
    await asyncio.sleep(1.1)  # the newcomer's own taps are out of the one-second window
    answers = await _burst(market, user, 8)  # every press is answered (SimPress.answer waits for it)
    slow_down = translate(lang, "Too many taps at once. Please wait a second and try again.")
    assert answers.count(slow_down) >= 3  # 5 a second are handled, the rest told to slow down
    assert answers.count(translate(lang, "This button is no longer active.")) >= 1
    if lang == "ar":
        assert slow_down != "Too many taps at once. Please wait a second and try again."


async def test_the_wallet_button_of_a_deposit_notice_keeps_the_notice(market: Market) -> None:
    user = await market.newcomer("Dina", lang="en")
    async with transaction(market.session_factory) as s:
        outbox.emit(s, DepositCredited(deposit_id=1, user_id=user.id, asset="USDT", amount=25 * MICRO,
                                       txid="ab" * 32), [outbox.user(user.id)])  # fmt: skip
    notice = await user.wait_for(T, contains="Deposit of 25 USDT credited")
    await press(user, "💼 Wallet", message=notice)
    wallet = await user.wait_for(T, contains="Your wallet", edited=False)
    assert wallet.message_id != notice.message_id
    kept = next(m for m in user.chat(T) if m.message_id == notice.message_id)
    assert kept.text == notice.text and "ab" * 32 in kept.text  # the transaction id is still there
