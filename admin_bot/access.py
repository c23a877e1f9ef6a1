"""Only staff reach the admin bot's handlers; everyone else gets one polite sentence.

Staff are ADMIN_IDS (admins) and the moderators admins added (core.admin.staff). Handlers get
``staff_id`` and ``staff_role``. What each role may do is said where a router is declared
(``Requires``: the router's permission, or a handler's own ``flags=needs(...)``), and checked
again in core.admin.actions for what changes something.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.i18n import gettext as _

from botkit.middlewares import answer_error
from core.admin import staff
from core.admin.staff import Permission
from core.config import Settings
from core.errors import DomainError

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


def needs(permission: Permission) -> dict[str, Permission]:
    """A handler's permission when it differs from its router's: ``flags=needs(Permission.ADJUST)``."""
    return {"permission": permission}


class Requires(BaseMiddleware):
    """On a router's handlers: the staff member's role must grant the router's permission (or the
    handler's ``needs``); else DomainError("forbidden"), which the bot's error path answers. An
    inner middleware, so it runs only for the handler that matched."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        permission: Permission = get_flag(data, "permission", default=self.permission)
        role: staff.Role | None = data.get("staff_role")
        if not staff.allows(role, permission):
            raise DomainError("forbidden", permission=permission.value, role=role.value if role else None)
        return await handler(event, data)
