"""Middlewares shared by both bots: each user throttled, one update handled once, in one database transaction,
with the current user and their language."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import Response, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from botkit import metrics
from botkit.i18n import pick_language, translate
from core import inbox, users
from core.errors import DomainError
from core.kv import KeyValue

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# Ids a button carries that every log line of its update names (bound from its callback data).
LOGGED_IDS = ("trade_id", "withdrawal_id", "dispute_id", "offer_id")


@dataclass
class Seen:
    """What the metrics say of one update: the handler that took it and how it ended (None: as
    the handler's result says)."""

    handler: str = "none"
    outcome: str | None = None


class Observe(BaseMiddleware):
    """Outermost: every log line of the update names its update id and a request id (the web
    request's, or a new one when polling), and the update is counted by handler and outcome and
    timed (botkit.metrics). ``HandlerName`` (inner) fills in the handler and the button's ids."""

    def __init__(self, bot_name: str) -> None:
        self.bot_name = bot_name

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        seen = data["seen"] = Seen()
        request_id = structlog.contextvars.get_contextvars().get("request_id") or uuid.uuid4().hex[:16]
        started = time.perf_counter()
        outcome = metrics.ERROR
        try:
            with structlog.contextvars.bound_contextvars(bot=self.bot_name, update_id=event.update_id,
                                                         request_id=request_id):  # fmt: skip
                result = await handler(event, data)
            outcome = seen.outcome or (metrics.UNHANDLED if result is UNHANDLED else metrics.OK)
            return result
        except DomainError:
            outcome = metrics.DOMAIN_ERROR
            raise
        finally:
            structlog.contextvars.unbind_contextvars(*LOGGED_IDS)
            metrics.UPDATES.labels(seen.handler, outcome).inc()
            metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)


def observe(dp: Dispatcher, bot_name: str) -> None:
    """Install ``Observe`` (call first: it must be the outermost of the bot's middlewares) and
    ``HandlerName`` on every kind of event."""
    dp.update.outer_middleware(Observe(bot_name))
    for name, observer in dp.observers.items():
        if name not in ("update", "error"):
            observer.middleware(HandlerName())


class HandlerName(BaseMiddleware):
    """Inner, on every event kind: tells ``Observe`` which handler took the update, and binds
    the ids its button carries (trade, withdrawal, dispute, offer) to the update's log lines."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        seen: Seen | None = data.get("seen")
        taken: HandlerObject | None = data.get("handler")
        if seen is not None and taken is not None:
            seen.handler = f"{taken.callback.__module__}.{taken.callback.__qualname__}"
        button = data.get("callback_data")
        if isinstance(button, CallbackData):
            structlog.contextvars.bind_contextvars(
                **{name: getattr(button, name) for name in LOGGED_IDS if isinstance(getattr(button, name, None), int)}
            )
        return await handler(event, data)


class Admission(BaseMiddleware):
    """At most ``per_second`` updates per user a second (None: no limit), counted in the shared
    key-value store; the rest are dropped quietly (a button press is answered, so that it stops
    spinning). (A redelivered update is skipped by ``UnitOfWork``, in the database.)"""

    def __init__(self, kv: KeyValue, per_second: int | None = 5) -> None:
        self.kv = kv
        self.per_second = per_second

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: TgUser | None = data.get("event_from_user")
        if user is None or self.per_second is None:
            return await handler(event, data)
        if await self.kv.hit(f"thr:{data['bot'].id}:{user.id}", 1) > self.per_second:
            seen: Seen | None = data.get("seen")
            if seen is not None:
                seen.outcome = metrics.THROTTLED
            await _answer_throttled(data["bot"], event, user)
            return None
        return await handler(event, data)


async def _answer_throttled(bot: Bot, update: Update, user: TgUser | None) -> None:
    """A dropped button press still gets its answer, or the button keeps spinning. The user's
    chosen language lives in the database, which a dropped update does not reach: Telegram's
    language is the one at hand."""
    query = update.callback_query
    if query is None:
        return
    text = translate(pick_language(user.language_code if user else None),
                     "Too many taps at once. Please wait a second and try again.")  # fmt: skip
    try:
        await bot.answer_callback_query(query.id, text=text)
    except TelegramAPIError:
        log.info("could not answer a throttled button press", exc_info=True)


class UnitOfWork(BaseMiddleware):
    """One database transaction per update, with the sender registered as ``me``; an update
    whose handling committed already (Telegram redelivered it: the worker died before answering)
    is skipped (``core.inbox``, in the same transaction).

    The boundary: the handler's domain work comes first and commits once, when it ends; then
    the handler talks to Telegram. The first Telegram call of the update is that end
    (``SendAfterCommit`` commits there, so nobody is told of a change that could still be rolled
    back and no row lock waits on Telegram); a handler that sends nothing ends at its return.
    After that end the handler only reads and replies: a write would start a second, hidden unit
    of work, which the tests refuse (``refuse_writes_after_sending``).
    A Telegram error after the domain change committed nothing wrong (the change stands, only the
    reply failed), so it still commits; any other error rolls back what was not yet committed.
    After a commit that queued notifications, the notifier is woken.
    ``tracks_blocking`` (the traders' bot): the update also tells whether the bot can write to
    its sender again (``users.register(blocked=...)``).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        wake_notifier: asyncio.Event,
        *,
        tracks_blocking: bool = False,
    ) -> None:
        self.session_factory = session_factory
        self.wake_notifier = wake_notifier
        self.tracks_blocking = tracks_blocking

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        async with self.session_factory() as session:
            if not await inbox.claim(session, bot_id=data["bot"].id, update_id=event.update_id):
                log.info("update %s handled already: skipped", event.update_id)
                seen: Seen | None = data.get("seen")
                if seen is not None:
                    seen.outcome = metrics.DUPLICATE
                return None
            unit = _open_unit.set((self, session))
            data["session"] = session
            tg_user: TgUser | None = data.get("event_from_user")
            if tg_user is not None and not tg_user.is_bot:
                blocked = _blocked_bot(event, data.get("event_chat")) if self.tracks_blocking else None
                data["me"] = await users.register(session, user_id=tg_user.id, username=tg_user.username,
                                                  first_name=tg_user.first_name, blocked=blocked,
                                                  telegram_language=(tg_user.language_code or "")[:8] or None)  # fmt: skip
            try:
                result = await handler(event, data)
            except TelegramAPIError:
                await self.commit(session)
                raise
            except BaseException:
                if isinstance(data.get("me"), users.User):
                    session.expunge(data["me"])  # keeps its fields (language) for the error reply
                await session.rollback()
                raise
            finally:
                _open_unit.reset(unit)
            await self.commit(session)
            return result

    async def commit(self, session: AsyncSession) -> None:
        if session.in_transaction():
            await session.commit()
        if session.info.pop("outbox", False):
            self.wake_notifier.set()


def _blocked_bot(update: TelegramObject, chat: Chat | None) -> bool | None:
    """In the private chat with the bot, an update says whether its sender blocks the bot now
    (my_chat_member "kicked") or can be written to (anything else: they wrote, pressed a
    button, restarted the bot). Elsewhere (a channel, a group) it says nothing of that."""
    if chat is None or chat.type != "private":
        return None
    member = update.my_chat_member if isinstance(update, Update) else None
    return member is not None and member.new_chat_member.status == "kicked"


# The unit of work of the update being handled in this task, if any.
_open_unit: ContextVar[tuple[UnitOfWork, AsyncSession] | None] = ContextVar("open_unit", default=None)


class SendAfterCommit(BaseRequestMiddleware):
    """On the bots' HTTP session: a call to Telegram made while handling an update ends that
    update's unit of work: it commits first, and marks the session as having talked. A read
    (getMe, getFile: the Bot API's get* methods) tells nobody anything and ends nothing, so a
    handler may download a photo and then store it. The notifier and jobs, outside any update,
    are not affected."""

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:  # fmt: skip
        open_unit = _open_unit.get()
        if open_unit is not None and not method.__api_method__.startswith("get"):
            unit, session = open_unit
            await unit.commit(session)
            session.info[_SENT] = True
        return await make_request(bot, method)


_SENT = "sent_to_telegram"


class WriteAfterSend(RuntimeError):
    """A handler wrote to the database after it talked to Telegram: its unit of work had ended."""


def refuse_writes_after_sending() -> None:
    """Tests (and any strict run): an INSERT, UPDATE or DELETE in an update after its first
    Telegram call raises WriteAfterSend. Not installed in production, where it would cost a check
    per statement; there such a write is committed when the handler returns."""
    if not event.contains(Session, "before_flush", _check_flush):
        event.listen(Session, "before_flush", _check_flush)
        event.listen(Session, "do_orm_execute", _check_execute)


def _check_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(_SENT) and (session.new or session.deleted or any(map(session.is_modified, session.dirty))):
        raise WriteAfterSend("a flush after the update's first Telegram call: move the write before the reply")


def _check_execute(state: ORMExecuteState) -> None:
    if state.session.info.get(_SENT) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteAfterSend(f"{state.statement} after the update's first Telegram call: move it before the reply")


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
