"""The hot/cold report: where the platform keeps the coins (hot wallet, cold storage, deposit
addresses not swept yet) against what it owes its users, and the hot wallet's target.

Per asset (micro units; TRX also pays the network fees):

    share       = liabilities * HOT_SHARE_PCT / 100
    forecast    = what confirmed withdrawals took over the last REFILL_WINDOW hours (amount + fee)
    needed soon = withdrawals waiting (amount + fee) + forecast (+ half the TRX fee float)
    target      = withdrawals waiting + max(share, forecast) (+ the TRX fee float)

The cold job (core.wallet.cold) moves ``hot - target`` to cold storage once it reaches
``cold_min_move``, and asks the admins for a refill up to ``target`` when the hot wallet holds
less than it needs soon. Since ``target >= needed soon`` a refill is never moved straight back.
``holdings = hot + cold + unswept`` must cover the liabilities (``python -m core.wallet
reconcile`` checks it). The hourly alert to the payments channel (``HotWalletAlert``) says
"too little" when the hot wallet cannot pay the withdrawals waiting now, and "too much" when it
holds more than its target and no cold wallet is configured to move it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.ledger.models import LedgerAccount
from core.money import Asset
from core.wallet.config import WalletConfig
from core.wallet.models import Deposit, DepositAddress, DepositStatus, Withdrawal, WithdrawalStatus
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
    cold: int | None = None  # on chain, in cold storage (None: no cold wallet configured)
    unswept: int = 0  # on chain, at deposit addresses with credited deposits not swept yet
    forecast: int = 0  # withdrawn over the refill window
    share_pct: int = 5
    fee_float: int = 0  # TRX the hot wallet keeps for network fees
    min_move: int = 0

    @property
    def share(self) -> int:
        return -(-self.liabilities * self.share_pct // 100)  # rounded up

    @property
    def target(self) -> int:
        return self.pending_withdrawals + max(self.share, self.forecast) + self.fee_float

    @property
    def needed_soon(self) -> int:
        """Below this the admins are asked for a refill. Half the TRX fee float only: the moves
        out leave the whole float, and the fees burned afterwards must not call for a refill."""
        return self.pending_withdrawals + self.forecast + self.fee_float // 2

    @property
    def excess(self) -> int:
        """What the hot wallet holds above its target (0 when not above)."""
        return max(self.hot - self.target, 0)

    @property
    def refill(self) -> int:
        """What a refill brings from cold storage (0 while the hot wallet has what it needs soon)."""
        return self.target - self.hot if self.hot < self.needed_soon else 0

    @property
    def holdings(self) -> int:
        return self.hot + (self.cold or 0) + self.unswept

    @property
    def too_much(self) -> bool:
        return self.excess > 0 and self.excess >= self.min_move

    @property
    def too_little(self) -> bool:
        return self.hot < self.pending_withdrawals

    @property
    def alert(self) -> bool:
        return self.too_little or (self.too_much and self.cold is None)


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


async def withdrawn_recently(session: AsyncSession, window: timedelta) -> dict[Asset, int]:
    """Amount + fee of the withdrawals confirmed within ``window``: the refill forecast."""
    since = datetime.now(UTC) - window
    rows = await session.execute(
        select(Withdrawal.asset, func.sum(Withdrawal.amount + Withdrawal.fee))
        .where(Withdrawal.status == WithdrawalStatus.SENT, Withdrawal.settled_at > since)
        .group_by(Withdrawal.asset)
    )
    out = {asset: 0 for asset in Asset}
    for asset, total in rows.tuples():
        out[Asset(asset)] = int(total or 0)
    return out


async def unswept(session: AsyncSession, node: Node, config: WalletConfig) -> dict[Asset, int]:
    """What the chain holds at the deposit addresses that have credited deposits not swept yet
    (per asset, only the addresses with such deposits of that asset)."""
    rows = await session.execute(
        select(DepositAddress.address, Deposit.asset)
        .join(Deposit, Deposit.user_id == DepositAddress.user_id)
        .where(Deposit.status == DepositStatus.CREDITED, Deposit.swept.is_(False))
        .distinct()
    )
    out = {asset: 0 for asset in Asset}
    for address, asset in rows.tuples():
        if Asset(asset) == Asset.USDT:
            out[Asset.USDT] += await usdt_balance(node, config, address)
        else:
            out[Asset.TRX] += await trx_balance(node, address)
    return out


async def balances(node: Node, config: WalletConfig, address: str) -> dict[Asset, int]:
    return {Asset.USDT: await usdt_balance(node, config, address), Asset.TRX: await trx_balance(node, address)}


async def hot_wallet_report(
    session: AsyncSession,
    node: Node,
    config: WalletConfig,
    hot_address: str,
    *,
    alert: bool = True,
    unswept_too: bool = True,
) -> list[AssetReport]:
    """One line per asset; with ``alert`` the lines that need attention go to the payments
    channel (in the caller's transaction). ``unswept_too=False`` skips reading the deposit
    addresses (the cold job needs only the hot wallet's numbers)."""
    owed = await liabilities(session)
    pending = await pending_withdrawals(session)
    forecast = await withdrawn_recently(session, config.refill_window)
    outside = await unswept(session, node, config) if unswept_too else {asset: 0 for asset in Asset}
    hot = await balances(node, config, hot_address)
    cold = await balances(node, config, config.cold_address) if config.cold_address else None
    reports = [
        AssetReport(
            asset, hot[asset], owed[asset], pending[asset], cold=cold[asset] if cold is not None else None,
            unswept=outside[asset], forecast=forecast[asset], share_pct=config.hot_share_pct,
            fee_float=config.hot_trx_float_sun if asset == Asset.TRX else 0, min_move=config.cold_min_move[asset],
        )
        for asset in Asset
    ]  # fmt: skip
    if alert:
        for r in reports:
            if r.alert:
                told = events.HotWalletAlert(
                    asset=str(r.asset), hot=r.hot, liabilities=r.liabilities, pending_withdrawals=r.pending_withdrawals,
                    max_share_pct=config.hot_share_pct, reason="too_little" if r.too_little else "too_much",
                    cold=r.cold, unswept=r.unswept, target=r.target,
                )  # fmt: skip
                outbox.emit(session, told, [outbox.PAYMENTS_CHANNEL])
    return reports
