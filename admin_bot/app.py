"""Builds the admins' Dispatcher: the same unit of work and language as the traders' bot,
behind the staff check."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_bot.access import StaffOnly
from admin_bot.handlers import routers
from bot import errors
from bot.app import detach_routers
from bot.middlewares import UnitOfWork, UpdateOnce, UserLocale
from core.config import Settings
from core.kv import KeyValue


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
