"""Safety words where they matter (issue 22): an IQD trade paid through an Iraqi e-wallet reminds
both sides, when it opens, never to mention crypto in the transfer note (the wallets freeze such
accounts) and that admins never write first outside the bot's admin relay."""

from __future__ import annotations

from core.accounts.payment_accounts import PHONE_METHODS
from core.money import Fiat

E_WALLETS = PHONE_METHODS  # ZainCash, FastPay, SuperQi, AsiaHawala: the phone-number wallets


def wallet_warning_due(fiat: str, payment_method: str | None) -> bool:
    return fiat == Fiat.IQD.value and payment_method in E_WALLETS
