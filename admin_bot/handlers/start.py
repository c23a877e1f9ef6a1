"""The admin bot's front door."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from core.admin.staff import Role
from core.users import User

router = Router(name="admin_start")


@router.message(CommandStart())
@router.message(Command("help"))
async def start(message: Message, me: User, staff_role: Role) -> None:
    if staff_role == Role.MODERATOR:
        await message.answer(
            _(
                "<b>KOXX P2P moderator</b>\n\n"
                "Hello, {name}. New disputes arrive here.\n\n"
                "/disputes: open disputes\n"
                "/kyc: identity verifications waiting\n"
                "/user @username: look up a user\n"
                "/audit: staff actions per user, trade or staff member\n"
                "/stats: the market today"
            ).format(name=me.first_name or me.id)
        )
        return
    await message.answer(
        _(
            "<b>KOXX P2P admin</b>\n\n"
            "Hello, {name}. New disputes and withdrawals waiting for approval arrive here.\n\n"
            "/disputes: open disputes\n"
            "/withdrawals: withdrawals waiting for approval\n"
            "/kyc: identity verifications waiting\n"
            "/user @username: look up a user (freeze, audit trail)\n"
            "/adjust: correct a balance (/adjustments: those waiting for a second admin)\n"
            "/market, /rate, /set: reference rates, fees and limits\n"
            "/mods: moderators\n"
            "/audit: staff actions per user, trade or staff member\n"
            "/stats: the market today\n"
            "/reconcile: check the books"
        ).format(name=me.first_name or me.id)
        + "\n"
        + _("/revenue 2026-11: a month's revenue, reconciled to the fee accounts")
        + "\n"
        + _("/cold: hot and cold wallets, refills from cold storage")
        + "\n"
        + _("/security: your second factor (approving large withdrawals needs its code)")
    )
