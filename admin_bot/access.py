"""Only staff reach the admin bot's handlers; everyone else gets one polite sentence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.i18n import gettext as _

from bot.middlewares import answer_error
from core.config import Settings

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StaffOnly(BaseMiddleware):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.settings.admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        if user is None or not self.is_staff(user.id):
            await answer_error(event, _("Sorry, this bot is only for the KOXX P2P team."))
            return None
        data["staff_id"] = user.id
        return await handler(event, data)
