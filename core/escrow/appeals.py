"""Appeals after a trade's end (issue 22), the parties' side: within ``appeal_days`` (7) after a
trade completed or was cancelled, either party may appeal once (a chargeback, a frozen wallet
account, paid but cancelled), with a reason and, if they have one, a photo as evidence. The
admins see it as a case (core.admin.appeals: a hold on the counterpart's balance, with a second
admin's approval, and closing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError
from core.escrow import market
from core.escrow.models import Appeal, Trade, TradeStatus

REASON_MAX = 1000


def ended_at(trade: Trade) -> datetime | None:
    if trade.status == TradeStatus.COMPLETED:
        return trade.completed_at
    if trade.status == TradeStatus.CANCELLED:
        return trade.cancelled_at
    return None


async def appealable(session: AsyncSession, *, trade_id: int, actor_id: int, now: datetime | None = None) -> Trade:
    """The trade, if ``actor_id`` may appeal it now (before asking them what happened)."""
    now = now or datetime.now(UTC)
    trade = await session.get(Trade, trade_id, populate_existing=True)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    if actor_id not in trade.party_ids():
        raise DomainError("not_party", trade_id=trade_id)
    ended = ended_at(trade)
    if ended is None:
        raise DomainError("trade_state", trade_id=trade_id, state=trade.status, expected=["completed", "cancelled"])
    days = (await market.rules(session)).appeal_days
    if now > ended + timedelta(days=days):
        raise DomainError("appeal_too_late", trade_id=trade_id, days=days,
                          until=(ended + timedelta(days=days)).isoformat())  # fmt: skip
    return trade


async def open_appeal(
    session: AsyncSession, *, trade_id: int, actor_id: int, reason: str, file_id: str | None = None,
    now: datetime | None = None,
) -> Appeal:
    """One appeal per party and trade; the admins and the counterpart are told."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError("reason_too_long", max=REASON_MAX, length=len(reason))
    trade = await appealable(session, trade_id=trade_id, actor_id=actor_id, now=now)
    counterpart = trade.counterpart(actor_id)
    appeal_id = await session.scalar(
        insert(Appeal).values(trade_id=trade.id, appellant_id=actor_id, counterpart_id=counterpart, reason=reason,
                              file_id=file_id).on_conflict_do_nothing().returning(Appeal.id)
    )  # fmt: skip
    if appeal_id is None:
        raise DomainError("appeal_exists", trade_id=trade.id)
    appeal = await get_appeal(session, appeal_id)
    opened = events.AppealOpened(appeal_id=appeal.id, trade_id=trade.id, appellant_id=actor_id,
                                 counterpart_id=counterpart, reason=reason, asset=trade.asset,
                                 crypto_amount=trade.crypto_amount, has_evidence=file_id is not None)  # fmt: skip
    outbox.emit(session, opened, [outbox.ADMINS, outbox.user(counterpart)])
    return appeal


async def get_appeal(session: AsyncSession, appeal_id: int, *, lock: bool = False) -> Appeal:
    stmt = select(Appeal).where(Appeal.id == appeal_id).execution_options(populate_existing=True)
    appeal = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if appeal is None:
        raise DomainError("appeal_not_found", appeal_id=appeal_id)
    return appeal


async def open_appeals(session: AsyncSession, *, limit: int = 20) -> list[Appeal]:
    stmt = select(Appeal).where(Appeal.status != "closed").order_by(Appeal.id).limit(limit)
    return list((await session.execute(stmt)).scalars())
