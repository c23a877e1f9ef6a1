"""Dispute deadlines (issue 22), for the scheduler: each party has until its deadline
(``Dispute.buyer_due_at`` / ``seller_due_at``, set when the dispute opens) to state their side
(a statement: text or a file). Once, ``dispute_reminder_minutes`` before a deadline, a party who
has said nothing yet is reminded. When both deadlines have passed, the dispute is checked once
(``overdue_at``): a party who had still said nothing is ``silent`` and the admins are told, with
the outcome the rules propose: in favour of the party who answered (a silent seller: release to
the buyer; a silent buyer: refund the seller; both silent: none).

Rows another transaction holds are skipped (SKIP LOCKED) and picked up next time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.escrow import market
from core.escrow.models import Dispute, DisputeStatement, Trade

PROPOSED = {"seller": "release", "buyer": "refund"}  # who was silent -> the outcome proposed


async def _answered(session: AsyncSession, dispute: Dispute, user_id: int) -> bool:
    found = await session.scalar(
        select(DisputeStatement.id)
        .where(DisputeStatement.dispute_id == dispute.id, DisputeStatement.author_id == user_id)
        .limit(1)
    )
    return found is not None


async def deadlines_due(
    session: AsyncSession, now: datetime | None = None, *, rules: market.Rules | None = None, limit: int = 100
) -> list[int]:
    """Send the reminders due and flag the disputes whose deadlines passed; returns the ids of
    the disputes touched."""
    rules = rules or await market.rules(session)
    now = now or datetime.now(UTC)
    soon = now + rules.dispute_reminder
    stmt = (
        select(Dispute, Trade)
        .join(Trade, Trade.id == Dispute.trade_id)
        .where(
            Dispute.resolution.is_(None),
            Dispute.overdue_at.is_(None),
            or_(
                (Dispute.buyer_reminded_at.is_(None) & (Dispute.buyer_due_at <= soon)),
                (Dispute.seller_reminded_at.is_(None) & (Dispute.seller_due_at <= soon)),
                func.greatest(Dispute.buyer_due_at, Dispute.seller_due_at) <= now,
            ),
        )
        .order_by(Dispute.id)
        .limit(limit)
        .with_for_update(of=Dispute, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    touched = []
    for dispute, trade in (await session.execute(stmt)).tuples():
        await _remind(session, dispute, trade, now, soon)
        await _flag_if_overdue(session, dispute, trade, now)
        touched.append(dispute.id)
    await session.flush()
    return touched


async def _remind(session: AsyncSession, dispute: Dispute, trade: Trade, now: datetime, soon: datetime) -> None:
    for role, user_id in (("buyer", trade.buyer_id), ("seller", trade.seller_id)):
        due = dispute.due_at(role)
        reminded = dispute.buyer_reminded_at if role == "buyer" else dispute.seller_reminded_at
        if due is None or reminded is not None or not now < due <= soon:
            continue
        if role == "buyer":
            dispute.buyer_reminded_at = now
        else:
            dispute.seller_reminded_at = now
        if await _answered(session, dispute, user_id):
            continue
        reminder = events.DisputeAnswerReminder(trade=trade.facts(), dispute_id=dispute.id, due_at=due,
                                                opener=dispute.opened_by == user_id)  # fmt: skip
        outbox.emit(session, reminder, [outbox.user(user_id)])


async def _flag_if_overdue(session: AsyncSession, dispute: Dispute, trade: Trade, now: datetime) -> None:
    dues = [d for d in (dispute.buyer_due_at, dispute.seller_due_at) if d is not None]
    if not dues or max(dues) > now:
        return
    dispute.overdue_at = now
    silent = [role for role, user_id in (("buyer", trade.buyer_id), ("seller", trade.seller_id))
              if not await _answered(session, dispute, user_id)]  # fmt: skip
    if not silent:
        return
    dispute.silent = silent[0] if len(silent) == 1 else "both"
    proposed = PROPOSED.get(dispute.silent)
    outbox.emit(session, events.DisputeNoAnswer(dispute_id=dispute.id, trade_id=trade.id, silent=dispute.silent,
                                                proposed=proposed), [outbox.ADMINS])  # fmt: skip


def proposed_outcome(dispute: Dispute) -> str | None:
    """What the rules propose for a dispute a party did not answer (None: nothing to propose)."""
    return PROPOSED.get(dispute.silent or "")
