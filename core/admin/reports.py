"""The numbers behind /stats and /reconcile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.escrow.models import OPEN_TRADE_STATUSES, Dispute, Offer, OfferStatus, Trade, TradeStatus
from core.ledger import AuditReport, audit
from core.users import User
from core.wallet import report as wallet_report
from core.wallet.config import WalletConfig
from core.wallet.models import Withdrawal, WithdrawalStatus
from core.wallet.node import Node


@dataclass(frozen=True)
class Volume:
    asset: str
    fiat: str
    trades: int
    crypto: int  # micro units
    fiat_total: Decimal


@dataclass(frozen=True)
class Stats:
    users: int
    active_offers: int
    open_trades: int
    today: list[Volume]
    last_30_days: list[Volume]
    open_disputes: int
    pending_withdrawals: int


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())


async def _volume(session: AsyncSession, since: datetime) -> list[Volume]:
    stmt = (
        select(Trade.asset, Trade.fiat, func.count(), func.sum(Trade.crypto_amount), func.sum(Trade.fiat_amount))
        .where(Trade.status == TradeStatus.COMPLETED.value, Trade.completed_at >= since)
        .group_by(Trade.asset, Trade.fiat)
        .order_by(Trade.asset, Trade.fiat)
    )
    rows = (await session.execute(stmt)).tuples()
    return [Volume(a, f, int(n), int(c or 0), Decimal(t or 0)) for a, f, n, c, t in rows]


async def stats(session: AsyncSession, *, now: datetime | None = None) -> Stats:
    """Completed-trade volume "today" counts from midnight UTC."""
    now = now or datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Stats(
        users=await _count(session, User),
        active_offers=await _count(session, Offer, Offer.status == OfferStatus.ACTIVE.value),
        open_trades=await _count(session, Trade, Trade.status.in_([s.value for s in OPEN_TRADE_STATUSES])),
        today=await _volume(session, midnight),
        last_30_days=await _volume(session, now - timedelta(days=30)),
        open_disputes=await _count(session, Dispute, Dispute.resolution.is_(None)),
        pending_withdrawals=await _count(
            session, Withdrawal, Withdrawal.status == WithdrawalStatus.AWAITING_APPROVAL.value
        ),
    )


@dataclass(frozen=True)
class Reconciliation:
    ledger: AuditReport
    wallet: list[wallet_report.AssetReport] | None  # None: no node or hot wallet configured
    wallet_error: str | None = None


async def reconcile(
    session: AsyncSession, node: Node | None, config: WalletConfig | None, hot_address: str | None
) -> Reconciliation:
    """The ledger audit and, when a node and the hot wallet are known, the hot/cold report."""
    ledger = await audit(session)
    if node is None or config is None or not hot_address:
        return Reconciliation(ledger, None)
    try:
        lines = await wallet_report.hot_wallet_report(session, node, config, hot_address, alert=False)
    except Exception as exc:  # the node is down: the ledger half still stands
        return Reconciliation(ledger, None, type(exc).__name__)
    return Reconciliation(ledger, lines)
