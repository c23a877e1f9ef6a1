"""Reputation: feedback after a completed trade, profile statistics, and blocking users.

Statistics (UserStats):
- completed_trades: trades in COMPLETED where the user was buyer or seller (ever).
- completion_rate_30d: of the trades opened in the last 30 days, completed / (completed + the
  ones this user failed: cancelled by them as the buyer, or left to expire). A seller is not
  blamed for a buyer's cancellation. None without such trades.
- avg_release_seconds: as the seller, mean time from payment (or from opening, when the seller
  released before the buyer pressed "paid") to release; releases decided in a dispute are left
  out. None without releases.
- positive / negative feedback received, positive_share (None without feedback).
- account_age_days: since the user first met the bot.
- counterparties: distinct traders the user completed a trade with (ever).
- credited_trades: completed trades counted for reputation: at most PAIR_CREDIT with any one
  counterpart, so two friends trading back and forth gain nothing after their first trades.
- disputes_lost: disputes resolved against the user (released to the buyer: the seller lost;
  refunded to the seller: the buyer lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from core import events, outbox
from core.errors import DomainError
from core.escrow.models import Block, Dispute, Feedback, Trade, TradeStatus
from core.users import User

COMMENT_MAX = 200
PAIR_CREDIT = 3  # completed trades with one counterpart that count for reputation


@dataclass(frozen=True)
class UserStats:
    user_id: int
    completed_trades: int = 0
    completion_rate_30d: Decimal | None = None  # 0..100, one decimal
    avg_release_seconds: int | None = None
    positive: int = 0
    negative: int = 0
    account_age_days: int = 0
    counterparties: int = 0
    credited_trades: int = 0
    disputes_lost: int = 0

    @property
    def positive_share(self) -> Decimal | None:
        """Percent of positive feedback (0..100, one decimal)."""
        total = self.positive + self.negative
        if not total:
            return None
        return (Decimal(self.positive) * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _stats_statement() -> Select[*tuple[Any, ...]]:
    """The statistics of the users ``:ids`` as of ``:month_ago``, built once: a statement this size
    costs more to build and to key for SQLAlchemy's cache than to run."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    month_ago: BindParameter[datetime] = bindparam("month_ago")
    roles = union_all(
        select(Trade.id, Trade.seller_id.label("uid"), Trade.buyer_id.label("other"), literal("seller").label("role"),
               Trade.status, Trade.close_reason, Trade.created_at, Trade.paid_at, Trade.completed_at),
        select(Trade.id, Trade.buyer_id.label("uid"), Trade.seller_id.label("other"), literal("buyer").label("role"),
               Trade.status, Trade.close_reason, Trade.created_at, Trade.paid_at, Trade.completed_at),
    ).subquery()
    completed = roles.c.status == TradeStatus.COMPLETED.value
    recent = roles.c.created_at > month_ago
    failed = and_(
        roles.c.status == TradeStatus.CANCELLED.value,
        roles.c.role == "buyer",
        roles.c.close_reason.in_(("buyer", "expired")),
    )
    released = and_(completed, roles.c.role == "seller", roles.c.close_reason == "seller")
    release_seconds = func.extract(
        "epoch", roles.c.completed_at - func.coalesce(roles.c.paid_at, roles.c.created_at)
    )
    per_trade = (
        select(
            roles.c.uid,
            func.count().filter(completed).label("done"),
            func.count().filter(and_(completed, recent)).label("done_30"),
            func.count().filter(and_(failed, recent)).label("failed_30"),
            cast(func.round(func.avg(case((released, release_seconds)))), Integer).label("avg_release"),
            func.count(distinct(roles.c.other)).filter(completed).label("counterparties"),
        )
        .where(roles.c.uid.in_(ids))
        .group_by(roles.c.uid)
        .subquery()
    )
    pairs = (
        select(roles.c.uid, func.count().filter(completed).label("n"))
        .where(roles.c.uid.in_(ids))
        .group_by(roles.c.uid, roles.c.other)
        .subquery()
    )
    per_pair = (
        select(pairs.c.uid, func.sum(func.least(pairs.c.n, PAIR_CREDIT)).label("credited"))
        .group_by(pairs.c.uid)
        .subquery()
    )
    lost = or_(
        and_(Dispute.resolution == "release", roles.c.role == "seller"),
        and_(Dispute.resolution == "refund", roles.c.role == "buyer"),
    )
    per_dispute = (
        select(roles.c.uid, func.count().filter(lost).label("lost"))
        .join(Dispute, Dispute.trade_id == roles.c.id)
        .where(roles.c.uid.in_(ids))
        .group_by(roles.c.uid)
        .subquery()
    )
    per_feedback = (
        select(
            Feedback.to_id,
            func.count().filter(Feedback.positive).label("positive"),
            func.count().filter(~Feedback.positive).label("negative"),
        )
        .where(Feedback.to_id.in_(ids))
        .group_by(Feedback.to_id)
        .subquery()
    )
    return (
        select(User.id, User.created_at, *(func.coalesce(c, 0) for c in (
                   per_trade.c.done, per_trade.c.done_30, per_trade.c.failed_30)),
               per_trade.c.avg_release, *(func.coalesce(c, 0) for c in (
                   per_feedback.c.positive, per_feedback.c.negative, per_trade.c.counterparties,
                   per_pair.c.credited, per_dispute.c.lost)))
        .outerjoin(per_trade, per_trade.c.uid == User.id)
        .outerjoin(per_pair, per_pair.c.uid == User.id)
        .outerjoin(per_dispute, per_dispute.c.uid == User.id)
        .outerjoin(per_feedback, per_feedback.c.to_id == User.id)
        .where(User.id.in_(ids))
    )  # fmt: skip


_STATS = _stats_statement()


async def stats_for(
    session: AsyncSession, user_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, UserStats]:
    """Statistics of several users in one query (browsing shows one per offer)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    now = now or datetime.now(UTC)
    rows = await session.execute(_STATS, {"ids": ids, "month_ago": now - timedelta(days=30)})
    found = {row[0]: row[1:] for row in rows}
    result = {}
    for uid in ids:
        created, done, done_30, failed_30, avg_release, positive, negative, others, credited, lost = found.get(
            uid, (None, 0, 0, 0, None, 0, 0, 0, 0, 0))
        rate = None
        if done_30 + failed_30:
            rate = (Decimal(done_30) * 100 / (done_30 + failed_30)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        result[uid] = UserStats(
            user_id=uid,
            completed_trades=done,
            completion_rate_30d=rate,
            avg_release_seconds=avg_release,
            positive=positive,
            negative=negative,
            account_age_days=(now - created).days if created else 0,
            counterparties=others,
            credited_trades=int(credited),
            disputes_lost=lost,
        )
    return result


async def user_stats(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> UserStats:
    return (await stats_for(session, [user_id], now=now))[user_id]


async def completed_count(session: AsyncSession, user_id: int) -> int:
    stmt = select(func.count()).where(
        Trade.status == TradeStatus.COMPLETED.value, or_(Trade.seller_id == user_id, Trade.buyer_id == user_id)
    )
    return int((await session.execute(stmt)).scalar_one())


async def leave_feedback(
    session: AsyncSession, *, trade_id: int, actor_id: int, positive: bool, comment: str | None = None
) -> Feedback:
    """One feedback per party per completed trade, about the counterpart."""
    trade = await session.get(Trade, trade_id)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    if actor_id not in trade.party_ids():
        raise DomainError("not_party", trade_id=trade_id)
    if trade.status != TradeStatus.COMPLETED:
        raise DomainError("trade_state", trade_id=trade_id, state=trade.status, expected=["completed"])
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise DomainError("comment_too_long", max=COMMENT_MAX, length=len(comment))
    target = trade.counterpart(actor_id)
    stmt = (
        insert(Feedback)
        .values(trade_id=trade_id, from_id=actor_id, to_id=target, positive=positive, comment=comment)
        .on_conflict_do_nothing(constraint="uq_feedback_trade_id_from_id")
        .returning(Feedback)
    )
    feedback = (await session.execute(stmt)).scalar_one_or_none()
    if feedback is None:
        raise DomainError("feedback_exists", trade_id=trade_id)
    outbox.emit(
        session,
        events.FeedbackReceived(trade_id=trade_id, from_id=actor_id, positive=positive, comment=comment),
        [outbox.user(target)],
    )
    return feedback


async def comment_feedback(session: AsyncSession, *, trade_id: int, actor_id: int, comment: str) -> Feedback:
    """Add the comment to a rating already saved (one tap saves the rating; the comment may follow).
    A rating keeps its first comment."""
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError("comment_too_long", max=COMMENT_MAX, length=len(comment))
    stmt = (
        select(Feedback).where(Feedback.trade_id == trade_id, Feedback.from_id == actor_id).with_for_update()
    )
    feedback = (await session.execute(stmt)).scalar_one_or_none()
    if feedback is None:
        raise DomainError("not_party", trade_id=trade_id)
    if feedback.comment is not None:
        raise DomainError("feedback_exists", trade_id=trade_id)
    feedback.comment = comment or None
    return feedback


async def has_rated(session: AsyncSession, *, trade_id: int, user_id: int) -> bool:
    stmt = select(Feedback.id).where(Feedback.trade_id == trade_id, Feedback.from_id == user_id)
    return (await session.execute(stmt)).first() is not None


async def feedback_received(session: AsyncSession, user_id: int, *, limit: int = 10) -> list[Feedback]:
    stmt = select(Feedback).where(Feedback.to_id == user_id).order_by(Feedback.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def block(session: AsyncSession, *, user_id: int, blocked_id: int) -> None:
    """``user_id`` no longer sees or trades with ``blocked_id`` (and vice versa). Idempotent."""
    if user_id == blocked_id:
        raise DomainError("block_self")
    if await session.get(User, blocked_id) is None:
        raise DomainError("user_not_found", user_id=blocked_id)
    await session.execute(
        insert(Block).values(user_id=user_id, blocked_id=blocked_id).on_conflict_do_nothing()
    )


async def unblock(session: AsyncSession, *, user_id: int, blocked_id: int) -> None:
    await session.execute(delete(Block).where(Block.user_id == user_id, Block.blocked_id == blocked_id))


_EITHER_BLOCKED = select(  # built once: every take asks
    exists().where(
        or_(
            and_(Block.user_id == bindparam("a"), Block.blocked_id == bindparam("b")),
            and_(Block.user_id == bindparam("b"), Block.blocked_id == bindparam("a")),
        )
    )
)


async def is_blocked(session: AsyncSession, a: int, b: int) -> bool:
    """Whether either user blocked the other."""
    return bool((await session.execute(_EITHER_BLOCKED, {"a": a, "b": b})).scalar_one())


async def blocked_by(session: AsyncSession, user_id: int) -> list[int]:
    """The users ``user_id`` has blocked."""
    stmt = select(Block.blocked_id).where(Block.user_id == user_id).order_by(Block.created_at)
    return list((await session.execute(stmt)).scalars())
