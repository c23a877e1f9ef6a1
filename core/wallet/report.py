"""The hot/cold report: what the hot wallet holds against what the platform owes its users.

Liabilities are the sum of every ledger account that belongs to a user (available, in offers,
in escrow, in withdrawals). The report alerts (outbox ``hot_wallet_alert`` to channel:payments)
when the hot wallet holds more than ``hot_max_share_pct`` of the liabilities (move some to cold
storage) or less than the pending withdrawals (top it up from cold storage).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.ledger.models import LedgerAccount
from core.money import Asset
from core.wallet.config import WalletConfig
from core.wallet.models import Withdrawal, WithdrawalStatus
from core.wallet.node import Node
from core.wallet.sweeper import trx_balance, usdt_balance

PENDING = (
    WithdrawalStatus.AWAITING_APPROVAL,
    WithdrawalStatus.APPROVED,
    WithdrawalStatus.SIGNED,
    WithdrawalStatus.BROADCAST,
)


@dataclass(frozen=True)
class AssetReport:
    asset: Asset
    hot: int  # on chain, in the hot wallet
    liabilities: int  # owed to users (ledger)
    pending_withdrawals: int  # amount + fee of withdrawals not settled yet
    too_much: bool
    too_little: bool

    @property
    def alert(self) -> bool:
        return self.too_much or self.too_little


async def liabilities(session: AsyncSession) -> dict[Asset, int]:
    rows = await session.execute(
        select(LedgerAccount.asset, func.sum(LedgerAccount.balance))
        .where(LedgerAccount.user_id.is_not(None))
        .group_by(LedgerAccount.asset)
    )
    out = {asset: 0 for asset in Asset}
    for asset, total in rows.tuples():
        out[Asset(asset)] = int(total or 0)
    return out


async def pending_withdrawals(session: AsyncSession) -> dict[Asset, int]:
    rows = await session.execute(
        select(Withdrawal.asset, func.sum(Withdrawal.amount + Withdrawal.fee))
        .where(Withdrawal.status.in_([str(s) for s in PENDING]))
        .group_by(Withdrawal.asset)
    )
    out = {asset: 0 for asset in Asset}
    for asset, total in rows.tuples():
        out[Asset(asset)] = int(total or 0)
    return out


async def hot_wallet_report(
    session: AsyncSession, node: Node, config: WalletConfig, hot_address: str, *, alert: bool = True
) -> list[AssetReport]:
    """One line per asset; with ``alert`` the lines that need attention go to the payments
    channel (in the caller's transaction)."""
    owed = await liabilities(session)
    pending = await pending_withdrawals(session)
    hot = {
        Asset.USDT: await usdt_balance(node, config, hot_address),
        Asset.TRX: await trx_balance(node, hot_address),
    }
    reports = []
    for asset in Asset:
        float_ = config.hot_trx_float_sun if asset == Asset.TRX else 0
        too_much = (hot[asset] - float_) * 100 > owed[asset] * config.hot_max_share_pct
        reports.append(
            AssetReport(asset, hot[asset], owed[asset], pending[asset], too_much, hot[asset] < pending[asset])
        )
    if alert:
        for r in reports:
            if r.alert:
                told = events.HotWalletAlert(
                    asset=str(r.asset), hot=r.hot, liabilities=r.liabilities, pending_withdrawals=r.pending_withdrawals,
                    max_share_pct=config.hot_max_share_pct, reason="too_much" if r.too_much else "too_little",
                )  # fmt: skip
                outbox.emit(session, told, [outbox.PAYMENTS_CHANNEL])
    return reports
