"""Timer-driven transitions, for the scheduler: call each every minute or so, in its own
transaction. Rows another transaction holds are skipped (SKIP LOCKED) and picked up next time,
so a job never waits behind, nor overrides, a party's click: whoever locks the trade first wins
and the other finds the new state.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import Interval, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.escrow import market
from core.escrow.disputes import start_dispute
from core.escrow.models import Dispute, Trade, TradeStatus
from core.escrow.trades import apply_refund, record_event


async def _claim(session: AsyncSession, *conditions: object, limit: int) -> list[Trade]:
    stmt = (
        select(Trade)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(Trade.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def expire_due(session: AsyncSession, now: datetime | None = None, *, limit: int = 100) -> list[int]:
    """Cancel AWAITING_PAYMENT trades whose payment window has ended; refund the sellers.
    Returns the ids of the trades cancelled."""
    now = now or datetime.now(UTC)
    trades = await _claim(
        session, Trade.status == TradeStatus.AWAITING_PAYMENT.value, Trade.expires_at <= now, limit=limit
    )
    for trade in trades:
        await apply_refund(session, trade, now=now, actor_id=None, reason="expired")
    await session.flush()
    return [t.id for t in trades]


async def escalate_due(
    session: AsyncSession, now: datetime | None = None, *, rules: market.Rules | None = None, limit: int = 100
) -> list[Dispute]:
    """PAID trades the seller neither released nor disputed within ``release_escalation_hours``
    become disputes opened by the system; the admins are told. Nothing is released or refunded."""
    rules = rules or await market.rules(session)
    now = now or datetime.now(UTC)
    trades = await _claim(
        session,
        Trade.status == TradeStatus.PAID.value,
        Trade.paid_at <= now - rules.release_escalation,
        limit=limit,
    )
    return [
        await start_dispute(session, trade, opened_by=None, reason="release_timeout", now=now, rules=rules)
        for trade in trades
    ]


async def remind_due(
    session: AsyncSession, now: datetime | None = None, *, rules: market.Rules | None = None, limit: int = 100
) -> list[int]:
    """Remind buyers once before their payment window ends: ``reminder_minutes`` before, or a third
    of the window before when that is shorter."""
    rules = rules or await market.rules(session)
    now = now or datetime.now(UTC)
    trades = await _claim(
        session,
        Trade.status == TradeStatus.AWAITING_PAYMENT.value,
        Trade.reminded_at.is_(None),
        Trade.expires_at > now,
        # reminder_minutes before the end, or a third of a short window (a 5-minute window is
        # reminded 1 min 40 s before its end, not the moment it opens)
        Trade.expires_at <= now + func.least(literal(rules.reminder_before, Interval()),
                                             Trade.payment_window * text("interval '20 seconds'")),
        limit=limit,
    )
    for trade in trades:
        trade.reminded_at = now
        minutes_left = math.ceil((trade.expires_at - now).total_seconds() / 60)
        record_event(session, trade, "reminded", None, now, minutes_left=minutes_left)
        outbox.emit(session, events.TradeReminder(trade=trade.facts(), minutes_left=minutes_left),
                    [outbox.user(trade.buyer_id)])
    await session.flush()
    return [t.id for t in trades]
