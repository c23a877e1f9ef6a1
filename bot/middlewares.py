"""Middlewares shared by both bots: one update handled once, in one database transaction,
with the current user and their language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_language
from core import users
from core.kv import KeyValue

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateOnce(BaseMiddleware):
    """Telegram re-delivers an update it thinks failed; handle each update_id once per bot."""

    def __init__(self, kv: KeyValue, ttl_seconds: int = 24 * 3600) -> None:
        self.kv = kv
        self.ttl = ttl_seconds

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not await self.kv.set_once(f"upd:{data['bot'].id}:{event.update_id}", self.ttl):
            log.info("duplicate update %s ignored", event.update_id)
            return None
        return await handler(event, data)


class Throttle(BaseMiddleware):
    """At most ``limit`` updates per user per second; the rest are dropped quietly."""

    def __init__(self, kv: KeyValue, limit: int = 5) -> None:
        self.kv = kv
        self.limit = limit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        if user is not None and await self.kv.hit(f"thr:{data['bot'].id}:{user.id}", 1) > self.limit:
            return None
        return await handler(event, data)


class UnitOfWork(BaseMiddleware):
    """One database transaction per update, with the sender registered as ``me``.

    A Telegram error after the domain change committed nothing wrong (the change stands, only the
    reply failed), so it still commits; any other error rolls everything back.
    After a commit that queued notifications, the notifier is woken.
    """

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], wake_notifier: asyncio.Event
    ) -> None:
        self.session_factory = session_factory
        self.wake_notifier = wake_notifier

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            tg_user: TgUser | None = data.get("event_from_user")
            if tg_user is not None and not tg_user.is_bot:
                data["me"] = await users.register(
                    session, user_id=tg_user.id, username=tg_user.username, first_name=tg_user.first_name
                )
            try:
                result = await handler(event, data)
            except TelegramAPIError:
                await self._commit(session)
                raise
            except BaseException:
                if isinstance(data.get("me"), users.User):
                    session.expunge(data["me"])  # keeps its fields (language) for the error reply
                await session.rollback()
                raise
            await self._commit(session)
            return result

    async def _commit(self, session: AsyncSession) -> None:
        await session.commit()
        if session.info.pop("outbox", False):
            self.wake_notifier.set()


class UserLocale(I18nMiddleware):
    """The user's chosen language; before they choose, the one Telegram reports."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        me = data.get("me")
        if me is not None and me.language:
            return str(me.language)
        tg_user: TgUser | None = data.get("event_from_user")
        return pick_language(tg_user.language_code if tg_user else None)


async def answer_error(event: TelegramObject, text: str) -> None:
    """Tell the user why nothing happened: an alert on a button, a reply to a message."""
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)


class InFlight(BaseMiddleware):
    """Counts updates being handled, so that shutdown can wait for them to finish."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self.idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self.idle.set()

    async def drained(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
