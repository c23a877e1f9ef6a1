"""An update's change is committed before the bot tells anyone about it: the reply never
announces something that could still be rolled back, and no row lock waits on Telegram. The
first Telegram call ends the update's unit of work: a write after it is refused in tests."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetFile, Response, SendMessage, TelegramMethod
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from botkit.middlewares import SendAfterCommit, UnitOfWork, WriteAfterSend
from core import users
from core.users import User
from tests.conftest import new_id


class Telegram:
    """Stands where the HTTP call would go: records each call and what the database held then."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], user_id: int) -> None:
        self.factory, self.user_id = factory, user_id
        self.seen: list[tuple[str, bool]] = []

    async def __call__(self, make_request: Any, bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        async with self.factory() as other:  # another connection: sees only what is committed
            stored = await other.scalar(select(User.id).where(User.id == self.user_id)) is not None
        self.seen.append((type(method).__name__, stored))
        return Response[Any](ok=True, result=True)


def _bot(telegram: Telegram) -> Bot:
    session = AiohttpSession()
    session.middleware(SendAfterCommit())
    session.middleware(telegram)  # innermost: instead of the HTTP call
    return Bot("123:abc", session=session)


async def _handle(factory: async_sessionmaker[AsyncSession], handler: Any) -> Any:
    unit = UnitOfWork(factory, asyncio.Event())
    return await unit(handler, Update(update_id=new_id()), {"bot": Bot("123:abc")})


async def test_a_change_is_committed_before_the_bot_sends(session_factory) -> None:
    user_id = new_id()
    telegram = Telegram(session_factory, user_id)
    bot = _bot(telegram)

    async def handler(event: Update, data: dict[str, Any]) -> None:
        await users.register(data["session"], user_id=user_id, username=None, first_name="Ali")
        await bot(SendMessage(chat_id=user_id, text="Welcome"))

    await _handle(session_factory, handler)
    assert telegram.seen == [("SendMessage", True)]
    await bot.session.close()


async def test_a_failure_after_the_reply_keeps_what_was_announced(session_factory) -> None:
    announced = new_id()
    telegram = Telegram(session_factory, announced)
    bot = _bot(telegram)

    async def handler(event: Update, data: dict[str, Any]) -> None:
        await users.register(data["session"], user_id=announced, username=None, first_name="Ali")
        await bot(SendMessage(chat_id=announced, text="Welcome"))
        raise RuntimeError("the handler fails after its reply")

    with pytest.raises(RuntimeError, match="fails after its reply"):
        await _handle(session_factory, handler)
    async with session_factory() as check:
        assert await check.get(User, announced) is not None  # what the user was told stands
    assert telegram.seen == [("SendMessage", True)]
    await bot.session.close()


async def test_a_write_after_the_reply_is_refused_and_what_was_announced_stands(session_factory) -> None:
    """The unit of work ended at the reply: a later write would be a second, hidden one."""
    announced, later = new_id(), new_id()
    telegram = Telegram(session_factory, announced)
    bot = _bot(telegram)

    async def handler(event: Update, data: dict[str, Any]) -> None:
        await users.register(data["session"], user_id=announced, username=None, first_name="Ali")
        await bot(SendMessage(chat_id=announced, text="Welcome"))
        await users.register(data["session"], user_id=later, username=None, first_name="Omar")

    with pytest.raises(WriteAfterSend):
        await _handle(session_factory, handler)
    async with session_factory() as check:
        assert await check.get(User, announced) is not None  # what the user was told stands
        assert await check.get(User, later) is None  # the rest rolled back
    assert telegram.seen == [("SendMessage", True)]
    await bot.session.close()


async def test_a_flushed_change_after_the_reply_is_refused(session_factory) -> None:
    user_id = new_id()
    telegram = Telegram(session_factory, user_id)
    bot = _bot(telegram)

    async def handler(event: Update, data: dict[str, Any]) -> None:
        user = await users.register(data["session"], user_id=user_id, username=None, first_name="Ali")
        await bot(SendMessage(chat_id=user_id, text="Welcome"))
        user.first_name = "Changed"
        await data["session"].flush()

    with pytest.raises(WriteAfterSend):
        await _handle(session_factory, handler)
    async with session_factory() as check:
        stored = await check.get(User, user_id)
        assert stored is not None and stored.first_name == "Ali"
    await bot.session.close()


async def test_a_read_from_telegram_does_not_end_the_unit_of_work(session_factory) -> None:
    """Downloading a photo (getFile) and then storing it is one unit of work, committed at the end."""
    user_id = new_id()
    telegram = Telegram(session_factory, user_id)
    bot = _bot(telegram)

    async def handler(event: Update, data: dict[str, Any]) -> None:
        await bot(GetFile(file_id="photo"))
        await users.register(data["session"], user_id=user_id, username=None, first_name="Ali")

    await _handle(session_factory, handler)
    async with session_factory() as check:
        assert await check.get(User, user_id) is not None
    assert telegram.seen == [("GetFile", False)]  # nothing was committed for a read
    await bot.session.close()


async def test_outside_an_update_nothing_is_committed(session_factory) -> None:
    """The notifier and jobs send with their own transactions; the middleware leaves them alone."""
    user_id = new_id()
    telegram = Telegram(session_factory, user_id)
    bot = _bot(telegram)
    async with session_factory() as s:
        await users.register(s, user_id=user_id, username=None, first_name="Ali")
        await bot(SendMessage(chat_id=user_id, text="News"))
        assert s.in_transaction()
        await s.rollback()
    assert telegram.seen == [("SendMessage", False)]
    await bot.session.close()


async def test_outside_an_update_a_write_after_sending_is_allowed(session_factory) -> None:
    """The notifier records what it delivered after the call: no update, no boundary."""
    user_id = new_id()
    bot = _bot(Telegram(session_factory, user_id))
    async with session_factory() as s:
        await bot(SendMessage(chat_id=user_id, text="News"))
        await users.register(s, user_id=user_id, username=None, first_name="Ali")
        await s.commit()
    async with session_factory() as check:
        assert await check.get(User, user_id) is not None
    await bot.session.close()
