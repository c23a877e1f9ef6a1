"""What both bots' dispatchers are made of: the middlewares (each update once, one unit of
work, the user's language), the error path, including the feature routers, the command menu."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from babel.support import LazyProxy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from botkit import errors
from botkit.aiogram_compat import detach_routers
from botkit.i18n import command_menu
from botkit.middlewares import Admission, UnitOfWork, UserLocale, observe
from core.config import Settings
from core.errors import DomainError
from core.kv import KeyValue


def new_dispatcher(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    kv: KeyValue,
    i18n: I18n,
    wake_notifier: asyncio.Event,
    throttle: bool = True,
    traders: bool = False,
    error_texts: Callable[[DomainError], str] = errors.error_text,
) -> Dispatcher:
    """What both bots share: each update handled once (and throttled per user), in one unit of
    work with the sender as ``me``, in the user's language, domain errors answered in
    ``error_texts``' words.
    ``traders``: the traders' bot, whose updates also say whether it can reach their sender."""
    dp = Dispatcher(storage=storage, settings=settings, session_factory=session_factory)
    observe(dp, "traders" if traders else "admin")
    dp.update.outer_middleware(Admission(kv, per_second=5 if throttle else None))
    dp.update.outer_middleware(UnitOfWork(session_factory, wake_notifier, tracks_blocking=traders))
    UserLocale(i18n).setup(dp)
    errors.setup(dp, error_texts)
    return dp


def include(dp: Dispatcher, feature_routers: list[Router]) -> Dispatcher:
    try:
        dp.include_routers(*feature_routers)
    except BaseException:
        detach_routers(dp)  # a half-built dispatcher must not keep the routers (feature routers are
        # module-level objects: the next Dispatcher in the process, as in tests, includes them again)
        raise
    return dp


async def set_commands(bot: Bot, commands: tuple[tuple[str, LazyProxy], ...]) -> None:
    """The command menu in Arabic (also the default for other app languages) and in English."""
    for lang, code in (("ar", None), ("ar", "ar"), ("en", "en")):
        menu = [BotCommand(command=name, description=text) for name, text in command_menu(lang, commands)]
        await bot.set_my_commands(menu, scope=BotCommandScopeDefault(), language_code=code)

