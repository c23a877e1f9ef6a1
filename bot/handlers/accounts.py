"""The accounts features of the traders' bot: limits and verification (kyc), internal transfers,
referrals and premium. Importing this module also registers the accounts' error texts."""

from __future__ import annotations

from aiogram import Router

import bot.views.accounts  # noqa: F401  (registers the error texts)
from bot.handlers import kyc, premium, referrals, transfers


def routers() -> list[Router]:
    """The accounts' routers, in the order they are tried (a flat list: bot.app.detach_routers
    frees only the dispatcher's direct children)."""
    return [kyc.router, transfers.router, referrals.router, premium.router]
