"""Builds the admins' Dispatcher: the same unit of work and language as the traders' bot,
behind the staff check."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_bot.access import StaffOnly
from admin_bot.handlers import routers
from bot import errors
from bot.app import detach_routers
from bot.i18n import command_menu
from bot.middlewares import UnitOfWork, UpdateOnce, UserLocale
from core.config import Settings
from core.kv import KeyValue

COMMANDS = (
    ("disputes", __("Open disputes")),
    ("withdrawals", __("Withdrawals waiting for approval")),
    ("kyc", __("Identity checks to review")),
    ("user", __("Look up a user")),
    ("stats", __("The market today")),
    ("reconcile", __("Check the books")),
    ("market", __("Rates, fees and limits")),
    ("mods", __("Moderators")),
    ("audit", __("Audit trail")),
    ("help", __("What this bot does")),
)


def build_dispatcher(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    kv: KeyValue,
    i18n: I18n,
    wake_notifier: asyncio.Event,
) -> Dispatcher:
    dp = Dispatcher(storage=storage, settings=settings, session_factory=session_factory)
    dp.update.outer_middleware(UpdateOnce(kv))
    dp.update.outer_middleware(UnitOfWork(session_factory, wake_notifier))
    UserLocale(i18n).setup(dp)
    staff_only = StaffOnly(settings)
    dp.message.outer_middleware(staff_only)
    dp.callback_query.outer_middleware(staff_only)
    errors.setup(dp)
    try:
        dp.include_routers(*routers())
    except BaseException:
        detach_routers(dp)  # a half-built dispatcher must not keep the routers
        raise
    return dp


async def set_commands(bot: Bot) -> None:
    """The admin bot's command menu, in Arabic (also the default) and English."""
    for lang, code in (("ar", None), ("ar", "ar"), ("en", "en")):
        commands = [BotCommand(command=name, description=text) for name, text in command_menu(lang, COMMANDS)]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
