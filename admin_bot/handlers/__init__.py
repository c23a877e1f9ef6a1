"""The admin bot's routers, in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    from admin_bot.handlers import start

    return [start.router]
