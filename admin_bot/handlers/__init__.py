"""The admin bot's routers, in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    from admin_bot.handlers import (
        appeals,
        cold,
        disputes,
        kyc,
        market,
        reports,
        reserves,
        security,
        start,
        users,
        withdrawals,
    )

    return [
        start.router,
        kyc.router,
        disputes.router,
        appeals.router,
        withdrawals.router,
        users.router,
        market.router,
        reports.router,
        security.router,
        cold.router,
        reserves.router,
    ]
