"""What botkit/aiogram_compat.py takes from aiogram's and pydantic's internals still works: each
test names the piece that an upgrade broke."""

from __future__ import annotations

import inspect
import json
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import GetMe, Response, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from botkit.aiogram_compat import JsonReplyHandler, KeepResponseModels, detach_routers

TOKEN = "123456:compat-test-token"


def test_detached_routers_can_be_included_again() -> None:
    feature, child = Router(name="feature"), Router(name="child")
    feature.include_router(child)
    first = Dispatcher()
    first.include_router(feature)
    detach_routers(first)
    assert first.sub_routers == feature.sub_routers == []
    assert feature.parent_router is None and child.parent_router is None
    second = Dispatcher()
    second.include_routers(feature, child)  # aiogram refuses a router that still has a parent
    assert feature.parent_router is second and child.parent_router is second


def update(text: str) -> dict[str, Any]:
    chat = {"id": 42, "type": "private"}
    return {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat, "text": text,
                                        "from": {"id": 42, "is_bot": False, "first_name": "A"}}}  # fmt: skip


async def test_webhook_reply_is_json_and_a_file_keeps_the_form() -> None:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]])
    router = Router()

    @router.message()
    async def reply(message: Message) -> SendMessage | SendPhoto:
        if message.text == "photo":
            return SendPhoto(chat_id=message.chat.id, photo=BufferedInputFile(b"png", filename="p.png"))
        return SendMessage(chat_id=message.chat.id, text="pong", reply_markup=keyboard)

    dp = Dispatcher()
    dp.include_router(router)
    bot = Bot(TOKEN)
    app = web.Application()
    JsonReplyHandler(dp, bot, handle_in_background=False).register(app, path="/webhook")
    try:
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/webhook", json=update("ping"))
            assert response.content_type == "application/json", "the reply is aiogram's form again"
            assert json.loads(await response.read()) == {  # nested objects stay objects (_dumps_json=False)
                "method": "sendMessage",
                "chat_id": 42,
                "text": "pong",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
            }
            response = await client.post("/webhook", json=update("photo"))
            assert response.content_type == "multipart/form-data"
    finally:
        detach_routers(dp)
        await bot.session.close()


async def test_response_models_are_kept_and_still_what_aiogram_parses() -> None:
    assert "Response[" in inspect.getsource(BaseSession.check_response), "aiogram parses replies differently"
    keep = KeepResponseModels()

    async def make_request(bot: Bot, method: Any) -> Any:
        return "sent"

    bot = Bot(TOKEN)
    try:
        assert await keep(make_request, bot, GetMe()) == "sent"
    finally:
        await bot.session.close()
    held = keep.models[GetMe.__returning__]
    assert Response[GetMe.__returning__] is held, "pydantic no longer returns the cached generic model"
