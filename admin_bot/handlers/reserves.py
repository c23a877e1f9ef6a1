"""/reserves: the latest proof of reserves (admins with RECONCILE); ``/reserves new`` publishes a
snapshot now (the worker signs it with the keys it holds within the hour); ``/reserves cold ID
SIGNATURE`` hands in the cold wallet's signature of the snapshot's message, made offline and
checked by core.reserves.holdings.add_cold_signature before it is stored."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_bot import views
from admin_bot.handlers.errors import guarded
from botkit.numbers import normalize
from core.admin.staff import Permission
from core.config import Settings
from core.reserves import holdings, snapshot
from core.wallet.config import wallet_config
from core.wallet.node import node_from_settings

router = guarded(Router(name="admin_reserves"), Permission.RECONCILE)


@router.message(Command("reserves"))
async def reserves(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    words = (command.args or "").split()
    if words[:1] == ["new"]:
        node = node_from_settings(settings)
        try:
            made = await snapshot.make_snapshot(
                session_factory,
                snapshot.secret_of(settings),
                node=node,
                config=wallet_config(settings) if node else None,
            )
        finally:
            if node is not None:
                await node.close()
        if made is None:
            await message.answer(
                _("Refused: the ledger audit failed, nothing was published. Check /reconcile.")
            )
            return
    elif words[:1] == ["cold"]:
        number = normalize(words[1]).lstrip("#") if len(words) == 3 else ""
        if not number.isdigit():
            await message.answer(
                _("Send: /reserves cold ID SIGNATURE (the hex signature of the snapshot's message).")
            )
            return
        await holdings.add_cold_signature(session, int(number), words[2])
        await message.answer(_("The cold wallet's signature is checked and stored."))
        return
    await message.answer(views.reserves_screen(await snapshot.overview(session), i18n.current_locale))
