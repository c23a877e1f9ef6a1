"""Fixtures for the Telegram stand-in: a running sandbox, tokens, aiogram bots, a tiny bot."""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from sandbox.telegram import TelegramSandbox


@pytest.fixture
async def tg() -> AsyncIterator[TelegramSandbox]:
    sandbox = TelegramSandbox(webhook_retry=(0.02, 0.2))
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
def new_token() -> Callable[[], str]:
    def make() -> str:
        return f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(26)}"

    return make


@pytest.fixture
async def make_bot(tg: TelegramSandbox) -> AsyncIterator[Callable[..., Bot]]:
    """aiogram Bots talking to the sandbox; their sessions are closed afterwards."""
    bots: list[Bot] = []

    def make(token: str, **kwargs: Any) -> Bot:
        bot: Bot = tg.aiogram_bot(token, **kwargs)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        await bot.session.close()


def png(width: int = 3, height: int = 2) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buf, format="PNG")
    return buf.getvalue()


def keyboard_bot() -> Dispatcher:
    """The tiny bot of these tests: /start shows two buttons, "Buy" edits the message."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        kb = InlineKeyboardBuilder()
        kb.button(text="Buy", callback_data="side:buy")
        kb.button(text="Sell", callback_data="side:sell")
        name = html.quote(message.from_user.first_name if message.from_user else "?")
        await message.answer(f"Welcome, <b>{name}</b>!", reply_markup=kb.as_markup())

    @router.callback_query(F.data == "side:buy")
    async def buy(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("You chose <i>buy</i>.")
        await query.answer("Buying!", show_alert=True)

    @router.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        assert message.photo
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path
        data = await bot.download_file(file.file_path)
        assert data is not None
        await message.answer(f"Got {len(data.read())} bytes, caption {html.quote(message.caption or '')}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(html.quote(message.text or ""))

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=False)
    )
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await asyncio.wait_for(task, 10)
