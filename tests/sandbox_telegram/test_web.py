"""The web chat page's API: the same actions as the control API, live change events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from aiogram import Bot
from aiogram.methods import GetUpdates
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import TelegramSandbox

from .conftest import png


async def test_page_and_static_files_are_served(tg: TelegramSandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}/") as resp:
            assert resp.status == 200 and "<title>Telegram sandbox</title>" in await resp.text()
        for name in ("app.js", "style.css"):
            async with http.get(f"{tg.url}/static/{name}") as resp:
                assert resp.status == 200


async def test_web_user_chats_with_a_bot(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token, username="web_bot")
    bot = make_bot(token)
    chan = tg.add_channel("Offers")
    async with aiohttp.ClientSession(base_url=tg.url) as http:
        async with http.post("/api/users", json={"name": "سارة", "username": "sara", "lang": "ar"}) as resp:
            user_id = (await resp.json())["id"]
        async with http.get("/api/state") as resp:
            state = await resp.json()
        assert {"id": user_id, "name": "سارة", "username": "sara", "lang": "ar"} in state["users"]
        assert state["bots"][0]["username"] == "web_bot" and state["chats"][0]["title"] == "Offers"

        events = await http.get("/api/events")
        assert events.headers["Content-Type"] == "text/event-stream"
        assert await events.content.readline() == b"event: change\n"  # the first one comes at once
        await events.content.readline()
        await events.content.readline()

        async with http.post("/api/act", json={"action": "send", "user": user_id, "bot": bot.id,
                                               "text": "/start"}) as resp:  # fmt: skip
            assert resp.status == 200
        line = await asyncio.wait_for(events.content.readline(), 5)
        assert line == b"event: change\n"
        events.close()

        [update] = await bot(GetUpdates())
        assert update.message is not None and update.message.text == "/start"
        assert update.message.from_user is not None and update.message.from_user.language_code == "ar"
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy")]]
        )
        sent = await bot.send_message(user_id, "<b>أهلاً</b>", reply_markup=markup)

        async with http.get("/api/chat", params={"user": user_id, "bot": bot.id}) as resp:
            chat = await resp.json()
        assert [(m["from_bot"], m["html"]) for m in chat["messages"]] == [
            (False, "/start"),
            (True, "<b>أهلاً</b>"),
        ]
        assert chat["messages"][1]["buttons"] == [[{"text": "Buy", "url": None}]]

        async with http.post("/api/act", json={"action": "press", "user": user_id, "bot": bot.id,
                                               "message_id": sent.message_id, "label": "Buy"}) as resp:  # fmt: skip
            assert resp.status == 200
        [update] = await bot(GetUpdates(offset=update.update_id + 1))
        assert update.callback_query is not None and update.callback_query.data == "buy"

        form = aiohttp.FormData()
        form.add_field("user", str(user_id))
        form.add_field("bot", str(bot.id))
        form.add_field("caption", "إيصال")
        form.add_field("file", png(4, 4), filename="r.png", content_type="image/png")
        async with http.post("/api/upload", data=form) as resp:
            assert resp.status == 200
        [update] = await bot(GetUpdates(offset=update.update_id + 1))
        assert update.message is not None and update.message.photo and update.message.caption == "إيصال"
        async with http.get(f"/api/file/{update.message.photo[-1].file_id}") as resp:
            assert await resp.read() == png(4, 4)

        await bot.send_message(chan.id, "offer feed")
        async with http.get("/api/chat", params={"chat": chan.id}) as resp:
            assert [m["html"] for m in (await resp.json())["messages"]] == ["offer feed"]
        async with http.post("/api/act", json={"action": "press", "user": user_id, "bot": bot.id,
                                               "message_id": 999, "label": "Nope"}) as resp:  # fmt: skip
            assert resp.status == 400
