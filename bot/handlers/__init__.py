"""One router per feature; ``routers()`` lists them in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    from bot.handlers import (
        accounts,
        appeals,
        availability,
        chat,
        export,
        express,
        offers,
        payment_accounts,
        profile,
        proof,
        security,
        start,
        trades,
        trusted,
        wallet,
    )

    return [
        offers.deep_links,  # /start offer_<id> before start's plain /start
        start.router,
        express.router,  # /buy /sell (before the forms, so that they work from any of them)
        offers.router,
        trades.router,
        payment_accounts.router,  # /accounts /nickname, the trade's accounts (before chat's free text)
        profile.router,
        trusted.router,  # /trusted /trust /untrust
        availability.router,  # /away /hours
        appeals.router,  # /appeal (a form: before chat's free text)
        *accounts.routers(),  # /limits /verify /transfer /referrals /premium (and their forms)
        export.router,  # /export: the statement as CSV and PDF
        wallet.router,  # /wallet: balances, deposit, withdraw (a form), history
        proof.router,  # /proof: the inclusion proof in the latest proof of reserves
        security.router,  # /security: the second factor and the anti-phishing code
        chat.router,  # relays free text while a trade is open; after every form
        start.fallback,  # must stay last
    ]
