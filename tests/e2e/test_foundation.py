"""The foundation through the Telegram stand-in: /start, the language choice, the admin bot,
webhook mode with its secret and Telegram's re-deliveries."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from core.users import User
from tests.e2e.harness import Market, eventually, running_market


async def count_users(market: Market, user_id: int) -> int:
    async with market.session_factory() as session:
        return int((await session.execute(select(func.count()).where(User.id == user_id))).scalar_one())


async def test_start_stores_user_once_and_language_button_edits_the_message(market: Market) -> None:
    alice = market.user("Alice", lang="ar", username="alice_iq")
    await alice.send(market.traders, "/start")
    picker = await alice.wait_for(market.traders, contains="Please choose your language")
    assert picker.buttons == [["✓ العربية", "English"]]  # preselected from Telegram's language_code
    await alice.send(market.traders, "/start")
    await alice.wait_for(market.traders, contains="Please choose your language")
    assert await count_users(market, alice.id) == 1

    await alice.press(market.traders, "English")
    welcome = await alice.wait_for(market.traders, contains="Welcome to KOXX P2P", edited=True)
    assert welcome.message_id == picker.message_id or welcome.edited
    assert ["🛒 Buy / Sell", "➕ New offer"] in welcome.buttons
    async def chose_english() -> bool:
        async with market.session_factory() as session:
            user = await session.get(User, alice.id)
            return user is not None and user.language == "en" and user.username == "alice_iq"

    await eventually(chose_english)


async def test_arabic_user_gets_arabic_and_help_works(market: Market) -> None:
    ali = await market.newcomer("علي", lang="ar")
    await ali.send(market.traders, "/help")
    help_msg = await ali.wait_for(market.traders, contains="كيف يعمل")
    assert "/offers" in help_msg.text
    for command in ("/accounts", "/nickname", "/security"):  # isolated, so they read left to right
        assert f"\u2066{command}\u2069" in help_msg.text
    commands_ar = market.tg.commands(market.traders, language_code="ar")
    commands_en = market.tg.commands(market.traders, language_code="en")
    assert {c["command"] for c in commands_ar} >= {"start", "help", "offers", "wallet"}
    assert [c["command"] for c in commands_ar] == [c["command"] for c in commands_en]
    assert commands_ar[0]["description"] != commands_en[0]["description"]


async def test_admin_bot_answers_admins_only(market: Market) -> None:
    stranger = market.user("Stranger", lang="en")
    await stranger.send(market.admin_bot, "/start")
    refusal = await stranger.wait_for(market.admin_bot, contains="only for the KOXX P2P team")
    assert refusal.buttons == []
    await market.admin.send(market.admin_bot, "/start")
    welcome = await market.admin.wait_for(market.admin_bot, contains="KOXX P2P admin")
    assert "/cold: hot and cold wallets" in welcome.text and "/security: your second factor" in welcome.text


async def test_webhook_mode_checks_secret_and_processes_retries_once(
    database_url: str, tmp_path: Path
) -> None:
    async with running_market(database_url, tmp_path, webhook=True) as market:
        bob = market.user("Bob", lang="en")
        await bob.send(market.traders, "/start")
        await bob.wait_for(market.traders, contains="Please choose your language")
        await market.tg.settle(market.traders)
        assert [d.status for d in market.tg.deliveries(market.traders)] == [200]

        # Telegram retries the same update: it is handled once (one picker, not two).
        await market.tg.redeliver(market.traders)
        await bob.send(market.traders, "/help")
        await bob.wait_for(market.traders, contains="How KOXX P2P works")
        pickers = [m for m in bob.chat(market.traders) if "Please choose your language" in m.text]
        assert len(pickers) == 1

        # A POST without the right secret is refused and stores nothing.
        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 555_000_111, "type": "private"},
                "from": {"id": 555_000_111, "is_bot": False, "first_name": "Eve"},
                "text": "/start",
            },
        }
        url = f"{market.runtime.web_url}/webhook/traders"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=forged, headers=headers) as resp:
                    assert resp.status == 401
        assert await count_users(market, 555_000_111) == 0


async def test_referral_deep_link_links_a_new_user_once(market: Market) -> None:
    sara = await market.newcomer("Sara", lang="ar")
    async with market.session_factory() as session:
        code = (await session.get(User, sara.id)).referral_code  # type: ignore[union-attr]
    omar = market.user("Omar", lang="en")
    await omar.send(market.traders, f"/start ref_{code}")
    await omar.wait_for(market.traders, contains="Welcome to KOXX P2P")  # deep link: no language detour

    async def linked() -> bool:
        async with market.session_factory() as session:
            user = await session.get(User, omar.id)
            return user is not None and user.referred_by == sara.id

    await eventually(linked)
    # Sara cannot be re-linked to Omar, and a self-referral is ignored.
    await sara.send(market.traders, f"/start ref_{code}")
    await sara.wait_for(market.traders, contains="KOXX P2P")
    async with market.session_factory() as session:
        assert (await session.get(User, sara.id)).referred_by is None  # type: ignore[union-attr]
