"""One router per feature; ``routers()`` lists them in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    from bot.handlers import accounts, start

    return [start.router, *accounts.routers(), start.fallback]
