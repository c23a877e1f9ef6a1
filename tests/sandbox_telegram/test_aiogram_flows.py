"""A real aiogram Bot and Dispatcher against the stand-in, by long polling and by webhook."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox.telegram import SandboxTimeout, TelegramSandbox

from .conftest import keyboard_bot, png, polling

SECRET = "s3cret-Token_1"


async def test_polling_start_keyboard_press_edit(tg: TelegramSandbox, new_token: Callable[[], str],
                                                 make_bot: Callable[..., Bot]) -> None:  # fmt: skip
    token = new_token()
    tg.add_bot(token, username="koxx_test_bot")
    alice = tg.add_user("Alice <&>", username="alice", language_code="ar")
    bot = make_bot(token)
    assert (await bot.get_me()).username == "koxx_test_bot"

    async with polling(keyboard_bot(), bot):
        await alice.send("@koxx_test_bot", "/start")
        welcome = await alice.wait_for("koxx_test_bot", contains="Welcome")
        assert welcome.html == "Welcome, <b>Alice &lt;&amp;&gt;</b>!"
        assert welcome.buttons == [["Buy", "Sell"]]
        assert not welcome.edited

        press = await alice.press(token, "Buy")
        answer = await press.answer()
        assert (answer.text, answer.show_alert, answer.data) == ("Buying!", True, "side:buy")
        edited = await alice.wait_for(token, contains="You chose", edited=True)
        assert edited.message_id == welcome.message_id
        assert edited.html == "You chose <i>buy</i>."
        assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard

        await alice.send(token, "echo <this> & that")
        echo = await alice.wait_for(token, contains="echo")
        assert echo.text == "echo <this> & that"

    chat = alice.chat(token)
    assert [(m.from_bot, m.text) for m in chat] == [
        (False, "/start"),
        (True, "You chose buy."),
        (False, "echo <this> & that"),
        (True, "echo <this> & that"),
    ]
    assert chat[0].data["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert [a.text for a in alice.alerts(token)] == ["Buying!"]
    assert tg.updates(token) == []  # every update was confirmed by the poller's offset


async def test_photo_from_user_reaches_bot_and_downloads(tg: TelegramSandbox, new_token: Callable[[], str],
                                                         make_bot: Callable[..., Bot]) -> None:  # fmt: skip
    token = new_token()
    tg.add_bot(token)
    bob = tg.add_user("Bob")
    image = png(5, 4)
    async with polling(keyboard_bot(), make_bot(token)):
        sent = await bob.send_photo(token, image, caption="receipt")
        reply = await bob.wait_for(token, contains="Got")
    assert reply.text == f"Got {len(image)} bytes, caption receipt"
    assert sent.photo is not None and (sent.photo[-1]["width"], sent.photo[-1]["height"]) == (5, 4)


async def test_wait_for_times_out_with_transcript(tg: TelegramSandbox, new_token: Callable[[], str]) -> None:
    token = new_token()
    tg.add_bot(token)
    carol = tg.add_user("Carol")
    await carol.send(token, "hello, anyone?")
    with pytest.raises(SandboxTimeout) as info:
        await carol.wait_for(token, contains="Welcome", timeout=0.2)
    assert "hello, anyone?" in str(info.value)


@contextlib.asynccontextmanager
async def webhook_server(bot: Bot, secret: str | None) -> AsyncIterator[str]:
    """The bot side: aiogram's webhook handler on a free loopback port; yields its URL."""
    app = web.Application()
    SimpleRequestHandler(keyboard_bot(), bot, secret_token=secret).register(app, path="/webhook")
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"
    finally:
        await runner.cleanup()


async def test_webhook_start_keyboard_press_edit(tg: TelegramSandbox, new_token: Callable[[], str],
                                                 make_bot: Callable[..., Bot]) -> None:  # fmt: skip
    token = new_token()
    tg.add_bot(token, username="koxx_hook_bot")
    alice = tg.add_user("Alice")
    bot = make_bot(token)
    async with webhook_server(bot, SECRET) as url:
        assert await bot.set_webhook(url, secret_token=SECRET)
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0

        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        await alice.send(token, "/start")
        welcome = await alice.wait_for(token, contains="Welcome")
        assert welcome.buttons == [["Buy", "Sell"]]
        press = await alice.press(token, "Buy")
        assert (await press.answer()).text == "Buying!"
        edited = await alice.wait_for(token, contains="You chose", edited=True)
        assert edited.message_id == welcome.message_id

        deliveries = tg.deliveries(token)
        assert [d.status for d in deliveries] == [200, 200]
        start_update = deliveries[0].update_id

        # Telegram may deliver the same update again; the bot sees it as new (no dedupe here).
        assert await tg.redeliver(token, start_update) == 200
        again = await alice.wait_for(token, contains="Welcome")
        assert again.message_id != welcome.message_id
        assert tg.deliveries(token)[-1].redelivery


async def test_webhook_wrong_or_missing_secret_is_refused_then_retried(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    alice = tg.add_user("Alice")
    bot = make_bot(token)
    async with webhook_server(bot, SECRET) as url:
        await bot.set_webhook(url, secret_token="not-the-secret")
        await alice.send(token, "/start")
        for _ in range(200):
            if len(tg.deliveries(token)) >= 2:
                break
            await asyncio.sleep(0.02)
        refused = tg.deliveries(token)
        assert len(refused) >= 2 and {d.status for d in refused} == {401}
        assert len({d.update_id for d in refused}) == 1  # the same update, retried
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
        with pytest.raises(SandboxTimeout):
            await alice.wait_for(token, contains="Welcome", timeout=0.2)

        await bot.set_webhook(url)  # no secret at all: refused as well
        seen = len(tg.deliveries(token))
        for _ in range(200):
            if len(tg.deliveries(token)) > seen:
                break
            await asyncio.sleep(0.02)
        assert tg.deliveries(token)[-1].status == 401

        await bot.set_webhook(url, secret_token=SECRET)
        await alice.wait_for(token, contains="Welcome")
        assert tg.deliveries(token)[-1].status == 200
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_unreachable_webhook_keeps_updates_in_order_until_it_answers(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    alice = tg.add_user("Alice")
    bot = make_bot(token)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/webhook"
    await bot.set_webhook(dead)
    await alice.send(token, "/start")
    await alice.send(token, "second")
    for _ in range(200):
        if tg.deliveries(token):
            break
        await asyncio.sleep(0.02)
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Connection refused" and info.pending_update_count == 2
    first_id = tg.updates(token)[0]["update_id"]
    assert {d.update_id for d in tg.deliveries(token)} == {first_id}  # nothing behind it was tried

    async with webhook_server(bot, None) as url:
        await bot.set_webhook(url)
        await alice.wait_for(token, contains="Welcome")
        await alice.wait_for(token, contains="second")
        await tg.settle(token)
    ok = [d.update_id for d in tg.deliveries(token) if d.status == 200]
    assert ok == [first_id, first_id + 1]
