"""Builds the admins' Dispatcher: the same unit of work and language as the traders' bot,
behind the staff check, and its command menu."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import lazy_gettext as __

from admin_bot.access import StaffOnly
from admin_bot.handlers import routers
from admin_bot.handlers.errors import staff_error_text
from botkit import dispatcher

COMMANDS = (
    ("disputes", __("Open disputes")),
    ("withdrawals", __("Withdrawals waiting for approval")),
    ("kyc", __("Identity checks to review")),
    ("user", __("Look up a user")),
    ("stats", __("The market today")),
    ("reconcile", __("Check the books")),
    ("revenue", __("A month's revenue")),
    ("cold", __("Hot and cold wallets, refills")),
    ("reserves", __("Proof of reserves")),
    ("market", __("Rates, fees and limits")),
    ("mods", __("Moderators")),
    ("audit", __("Audit trail")),
    ("help", __("What this bot does")),
)


def build_dispatcher(**deps: Any) -> Dispatcher:
    dp = dispatcher.new_dispatcher(**deps, throttle=False, error_texts=staff_error_text)
    staff_only = StaffOnly(deps["settings"])
    dp.message.outer_middleware(staff_only)
    dp.callback_query.outer_middleware(staff_only)
    return dispatcher.include(dp, routers())


async def set_commands(admin: Bot) -> None:
    await dispatcher.set_commands(admin, COMMANDS)
