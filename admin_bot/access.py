"""Only staff reach the admin bot's handlers; everyone else gets one polite sentence.

Staff are ADMIN_IDS (admins) and the moderators admins added (core.admin.staff). Handlers get
``staff_id`` and ``staff_role``; what each role may do is checked again in core.admin.actions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.i18n import gettext as _

from bot.middlewares import answer_error
from core.admin import staff
from core.config import Settings

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StaffOnly(BaseMiddleware):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        role = None
        if user is not None and "session" in data:
            role = await staff.role_of(data["session"], self.settings, user.id)
        if user is None or role is None:
            await answer_error(event, _("Sorry, this bot is only for the KOXX P2P team."))
            return None
        data["staff_id"] = user.id
        data["staff_role"] = role
        return await handler(event, data)
