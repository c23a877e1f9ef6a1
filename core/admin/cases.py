"""Everything staff need on one screen, read in one place: a dispute's case file, a withdrawal
waiting for approval, a user's card, and the queues."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import PaymentAccount
from core.admin import audit
from core.admin.models import StaffAction
from core.errors import DomainError
from core.escrow import disputes, reputation
from core.escrow.chat import messages
from core.escrow.models import Dispute, DisputeStatement, Trade, TradeEvent, TradeMessage
from core.escrow.reputation import UserStats
from core.escrow.trades import get_trade, my_trades, timeline, trade_accounts
from core.ledger import UserBalances, user_balances
from core.money import Asset
from core.users import User
from core.wallet.models import Withdrawal, WithdrawalApproval, WithdrawalStatus


@dataclass(frozen=True)
class PartyFacts:
    user: User
    stats: UserStats
    disputes: int  # disputes in any of their trades, ever
    statement: list[DisputeStatement] = field(default_factory=list)


@dataclass(frozen=True)
class DisputeCase:
    dispute: Dispute
    trade: Trade
    events: list[TradeEvent]
    chat: list[TradeMessage]
    seller: PartyFacts
    buyer: PartyFacts
    paid_to: PaymentAccount | None = None  # the seller's account the buyer was told to pay to
    paid_from: PaymentAccount | None = None  # the account the buyer declared paying from


@dataclass(frozen=True)
class WithdrawalCase:
    withdrawal: Withdrawal
    user: User
    balances: dict[Asset, UserBalances]
    approvers: list[int]
    address_uses: int  # earlier withdrawals (anyone's) to the same address
    address_uses_by_user: int
    history: list[Withdrawal]  # the user's latest withdrawals before this one


@dataclass(frozen=True)
class UserCard:
    user: User
    balances: dict[Asset, UserBalances]
    stats: UserStats
    trades: list[Trade]
    disputes: int
    open_disputes: int
    actions: list[StaffAction]


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        raise DomainError("user_not_found", user_id=user_id)
    return user


async def dispute_count(session: AsyncSession, user_id: int, *, open_only: bool = False) -> int:
    stmt = (
        select(func.count())
        .select_from(Dispute)
        .join(Trade, Trade.id == Dispute.trade_id)
        .where(or_(Trade.seller_id == user_id, Trade.buyer_id == user_id))
    )
    if open_only:
        stmt = stmt.where(Dispute.resolution.is_(None))
    return int((await session.execute(stmt)).scalar_one())


async def dispute_case(session: AsyncSession, dispute_id: int) -> DisputeCase:
    dispute = await disputes.get_dispute(session, dispute_id)
    trade = await get_trade(session, dispute.trade_id)
    said = await disputes.statements(session, dispute.id)
    stats = await reputation.stats_for(session, trade.party_ids())

    async def party(user_id: int) -> PartyFacts:
        return PartyFacts(
            user=await _user(session, user_id),
            stats=stats.get(user_id, UserStats(user_id)),
            disputes=await dispute_count(session, user_id),
            statement=[s for s in said if s.author_id == user_id],
        )

    paid_to, paid_from = await trade_accounts(session, trade)
    return DisputeCase(
        dispute=dispute,
        trade=trade,
        paid_to=paid_to,
        paid_from=paid_from,
        events=await timeline(session, trade.id),
        chat=await messages(session, trade.id),
        seller=await party(trade.seller_id),
        buyer=await party(trade.buyer_id),
    )


async def dispute_queue(session: AsyncSession, *, limit: int = 20) -> list[tuple[Dispute, Trade]]:
    """Open disputes oldest first, with their trades (for age and amount)."""
    found = await disputes.open_disputes(session, limit=limit)
    return [(d, await get_trade(session, d.trade_id)) for d in found]


async def withdrawal_queue(session: AsyncSession, *, limit: int = 20) -> list[Withdrawal]:
    stmt = (
        select(Withdrawal)
        .where(Withdrawal.status == WithdrawalStatus.AWAITING_APPROVAL.value)
        .order_by(Withdrawal.created_at, Withdrawal.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def withdrawal_case(session: AsyncSession, withdrawal_id: int) -> WithdrawalCase:
    w = await session.get(Withdrawal, withdrawal_id, populate_existing=True)
    if w is None:
        raise DomainError("not_found", what="withdrawal", id=withdrawal_id)
    approvers = (
        await session.execute(
            select(WithdrawalApproval.admin_id).where(WithdrawalApproval.withdrawal_id == w.id)
        )
    ).scalars()
    earlier = select(func.count()).select_from(Withdrawal).where(
        Withdrawal.to_address == w.to_address, Withdrawal.id != w.id, Withdrawal.created_at <= w.created_at
    )
    history = await session.execute(
        select(Withdrawal)
        .where(Withdrawal.user_id == w.user_id, Withdrawal.id != w.id)
        .order_by(Withdrawal.id.desc())
        .limit(5)
    )
    return WithdrawalCase(
        withdrawal=w,
        user=await _user(session, w.user_id),
        balances=await user_balances(session, w.user_id),
        approvers=list(approvers),
        address_uses=int((await session.execute(earlier)).scalar_one()),
        address_uses_by_user=int(
            (await session.execute(earlier.where(Withdrawal.user_id == w.user_id))).scalar_one()
        ),
        history=list(history.scalars()),
    )


async def user_card(session: AsyncSession, user_id: int) -> UserCard:
    user = await _user(session, user_id)
    return UserCard(
        user=user,
        balances=await user_balances(session, user_id),
        stats=await reputation.user_stats(session, user_id),
        trades=await my_trades(session, user_id, limit=5),
        disputes=await dispute_count(session, user_id),
        open_disputes=await dispute_count(session, user_id, open_only=True),
        actions=await audit.for_user(session, user_id, limit=5),
    )


async def find_user(session: AsyncSession, query: str) -> User:
    """A user by @username or numeric id."""
    text = query.strip()
    user: User | None
    if text.lstrip("-").isdigit():
        user = await session.get(User, int(text), populate_existing=True)
    else:
        name = text.removeprefix("@")
        user = (
            await session.execute(select(User).where(func.lower(User.username) == name.lower()))
        ).scalars().first()
    if user is None:
        raise DomainError("user_not_found", query=text)
    return user
