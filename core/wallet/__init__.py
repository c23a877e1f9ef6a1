"""The TRON wallet: HD deposit addresses, the deposit scanner, withdrawals, sweeping and the
hot/cold report. Each module's docstring tells its rules; the names below are the public API.

Deposits:    deposit_address(session, user_id) -> str; qr_png(address) -> bytes
Withdrawals: quote(...) -> Quote; request_withdrawal(...) -> Withdrawal; approve; reject;
             add_to_whitelist; set_whitelist_only (all in the caller's transaction)
Whitelist:   core.wallet.whitelist: the «saved addresses only» rule for withdrawals and internal
             transfers (check_address, check_recipient, add_recipient)
Transfers:   core.wallet.transfers: user to user, off-chain (choose_recipient, prepare, send)
Cold:        core.wallet.cold.ColdKeeper: run_once (the job: excess out, refill requests),
             prepare_refill, submit_refill (the admin bot; the cold key signs offline)
Jobs:        WalletJobs.from_settings(settings): scan / send / sweep / report / cold
Errors:      InvalidAddress (codes address_*), DomainError codes amount_too_small, user_frozen,
             daily_limit_exceeded, address_not_whitelisted, address_cooling_off, recipient_not_saved,
             recipient_cooling_off;
             core.errors.InsufficientFunds, Forbidden, InvalidState, NotFound
"""

from core.wallet.addressbook import deposit_address, qr_png
from core.wallet.addresses import InvalidAddress, parse_destination
from core.wallet.config import WalletConfig, wallet_config
from core.wallet.jobs import WalletJobs
from core.wallet.models import Deposit, DepositStatus, Withdrawal, WithdrawalStatus
from core.wallet.withdrawals import (
    Quote,
    add_to_whitelist,
    approve,
    daily_limit,
    quote,
    reject,
    request_withdrawal,
    set_whitelist_only,
)

__all__ = [
    "Deposit",
    "DepositStatus",
    "InvalidAddress",
    "Quote",
    "WalletConfig",
    "WalletJobs",
    "Withdrawal",
    "WithdrawalStatus",
    "add_to_whitelist",
    "approve",
    "daily_limit",
    "deposit_address",
    "parse_destination",
    "qr_png",
    "quote",
    "reject",
    "request_withdrawal",
    "set_whitelist_only",
    "wallet_config",
]
