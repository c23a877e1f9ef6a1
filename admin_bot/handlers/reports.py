"""/stats (the market today and over 30 days) and /reconcile (ledger audit, hot/cold report)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import views
from admin_bot.access import needs
from admin_bot.handlers.errors import guarded
from core.admin import reports
from core.admin.staff import Permission
from core.config import Settings

router = guarded(Router(name="admin_reports"), Permission.VIEW)


@router.message(Command("stats"))
async def stats(message: Message, session: AsyncSession, i18n: I18n) -> None:
    await message.answer(views.stats(await reports.stats(session), i18n.current_locale))


@router.message(Command("reconcile"), flags=needs(Permission.RECONCILE))
async def reconcile(message: Message, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    await message.answer(_("Checking the books…"))
    node = config = hot = None
    if settings.tron_api_url and (settings.hot_wallet_key or settings.hot_wallet_address):
        from core.wallet.config import wallet_config
        from core.wallet.node import Node

        config = wallet_config(settings)
        api_key = settings.tron_api_key.get_secret_value() if settings.tron_api_key else None
        node, hot = Node(settings.tron_api_url, api_key, retries=1), config.hot_address
    try:
        result = await reports.reconcile(session, node, config, hot)
    finally:
        if node is not None:
            await node.close()
    await message.answer(views.reconciliation(result, i18n.current_locale))
