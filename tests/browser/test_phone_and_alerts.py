"""The chat page on a phone (360 px wide: the panels become tabs, the chat keeps its width) and
the bot's answers to a button press (an alert as a popup to dismiss, a short answer as a toast)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram.methods import GetUpdates
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from playwright.async_api import expect

from sandbox.telegram import TelegramSandbox
from tests.browser.conftest import ARTIFACTS, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
async def tg() -> AsyncIterator[TelegramSandbox]:
    sandbox = TelegramSandbox()
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


async def _callback(bot: Any, offset: int) -> tuple[str, int]:
    for _ in range(100):
        for update in await bot(GetUpdates(offset=offset)):
            offset = update.update_id + 1
            if update.callback_query is not None:
                return update.callback_query.id, offset
        await asyncio.sleep(0.05)
    raise AssertionError("no button press reached the bot")


async def test_a_phone_sized_page_shows_the_chat_in_tabs_and_the_bots_alerts(tg: TelegramSandbox,
                                                                            browser_page: Any) -> None:  # fmt: skip
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(26)}"
    tg.add_bot(token, username="phone_bot", first_name="Phone bot")
    bot = tg.aiogram_bot(token)
    try:
        async with aiohttp.ClientSession(base_url=tg.url) as http:
            async with http.post("/api/users", json={"name": "سارة", "username": "sara", "lang": "ar"}) as resp:
                user_id = (await resp.json())["id"]
            await http.post("/api/act", json={"action": "send", "user": user_id, "bot": bot.id, "text": "/start"})
        [started] = await bot(GetUpdates())
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="تحرير", callback_data="rel")]])
        await bot.send_message(user_id, "اضغط الزر", reply_markup=markup)

        page = browser_page
        await page.set_viewport_size({"width": 360, "height": 740})
        await page.goto(f"{tg.url}/")
        # The chat fills the phone's width; the other panels are a tap away.
        await expect(page.locator("#tabs")).to_be_visible()
        await expect(page.locator("#messages")).to_contain_text("اضغط الزر")
        box = await page.locator("#main").bounding_box()
        assert box is not None and box["width"] >= 340
        await expect(page.locator("#side")).to_be_hidden()
        await page.locator("#tabs button[data-tab=side]").click()
        await expect(page.locator("#side")).to_be_visible()
        await expect(page.locator("#main")).to_be_hidden()
        await page.locator("#tabs button[data-tab=chat]").click()
        await expect(page.locator("#main")).to_be_visible()

        # An alert answer: a popup until dismissed.
        await page.get_by_role("button", name="تحرير").click()
        query_id, offset = await _callback(bot, started.update_id + 1)
        await bot.answer_callback_query(query_id, text="يمكنك فتح نزاع من ١٨:٠٢.", show_alert=True)
        await expect(page.locator("#alert")).to_be_visible()
        await expect(page.locator("#alert-text")).to_have_text("يمكنك فتح نزاع من ١٨:٠٢.")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "phone-360-alert.png"))
        await page.locator("#alert-ok").click()
        await expect(page.locator("#alert")).to_be_hidden()

        # A short answer: a toast that goes by itself.
        await page.get_by_role("button", name="تحرير").click()
        query_id, offset = await _callback(bot, offset)
        await bot.answer_callback_query(query_id, text="تم")
        await expect(page.locator("#toast")).to_have_text("تم")
        await expect(page.locator("#alert")).to_be_hidden()
    finally:
        await bot.session.close()
