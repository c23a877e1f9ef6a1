"""The HTTP surface without aiogram: bodies in every encoding, standalone mode, webhook replies."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiogram import Bot, Dispatcher, Router
from aiogram.filters import CommandStart
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox.telegram import TelegramSandbox

ROOT = Path(__file__).resolve().parents[2]


async def test_get_json_form_and_multipart_bodies(tg: TelegramSandbox, new_token: Callable[[], str]) -> None:
    token = new_token()
    tg.add_bot(token, username="raw_bot")
    jack = tg.add_user("Jack")
    tg.start_chat(jack, token)
    base = f"{tg.url}/bot{token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/getMe") as resp:
            me = await resp.json()
        assert me["ok"] and me["result"]["username"] == "raw_bot" and me["result"]["is_bot"]
        async with http.get(f"{base}/sendMessage", params={"chat_id": jack.id, "text": "via GET"}) as resp:
            assert (await resp.json())["result"]["text"] == "via GET"
        async with http.post(f"{base}/sendmessage", json={"chat_id": jack.id, "text": "via JSON"}) as resp:
            assert (await resp.json())["result"]["text"] == "via JSON"  # method names ignore case
        markup = json.dumps({"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
        form = {
            "chat_id": str(jack.id),
            "text": "<i>via form</i>",
            "parse_mode": "HTML",
            "reply_markup": markup,
        }
        async with http.post(f"{base}/sendMessage", data=form) as resp:
            result = (await resp.json())["result"]
        assert result["entities"] == [{"type": "italic", "offset": 0, "length": 8}]
        assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
        data = aiohttp.FormData()
        data.add_field("chat_id", str(jack.id))
        data.add_field("document", b"raw upload", filename="raw.txt", content_type="text/plain")
        async with http.post(f"{base}/sendDocument", data=data) as resp:
            document = (await resp.json())["result"]["document"]
        assert document["file_name"] == "raw.txt" and document["mime_type"] == "text/plain"
        async with http.post(f"{base}/sendMessage", json={"chat_id": jack.id}) as resp:
            assert resp.status == 400
            assert await resp.json() == {"ok": False, "error_code": 400,
                                         "description": "Bad Request: message text is empty"}  # fmt: skip
        async with http.post(f"{base}/someFutureMethod", json={"x": 1}) as resp:
            assert await resp.json() == {"ok": True, "result": True}
    assert [m.text for m in jack.chat(token)] == [
        "via GET",
        "via JSON",
        "via form",
        "",
    ]  # a document without caption has no text


async def test_webhook_reply_with_a_method_is_executed(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    """aiogram can answer the webhook POST with a method call (handle_in_background=False)."""
    token = new_token()
    tg.add_bot(token)
    kim = tg.add_user("Kim")
    bot = make_bot(token)
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> SendMessage:
        return message.answer("answered <b>in the webhook response</b>")

    dp = Dispatcher()
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False).register(app, path="/hook")
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        await kim.send(token, "/start")
        reply = await kim.wait_for(token, contains="answered")
        assert reply.html == "answered <b>in the webhook response</b>"
    finally:
        await runner.cleanup()


async def test_standalone_server(new_token: Callable[[], str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = new_token()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.telegram", "--port", str(port), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert f"http://127.0.0.1:{port}" in line.decode()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/bot{token}/getMe") as resp:
                me = await resp.json()
        assert me["result"]["id"] == int(token.split(":")[0])
        assert me["result"]["username"] == f"bot{token.split(':')[0]}"
    finally:
        proc.terminate()
        await proc.wait()
