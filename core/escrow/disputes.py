"""Disputes (the core part; the admin bot is built on top).

- ``open_dispute``: either party of a PAID trade, once ``dispute_after_minutes`` have passed
  since PAID; or the system (jobs.escalate_due) when the seller neither released nor disputed.
- ``add_statement``: each party's account of what happened (stored, admins told).
- ``claim`` / ``unclaim``: one moderator owns a dispute at a time; claiming an owned one says
  who has it.
- ``resolve``: release to the buyer or refund to the seller, with a reason, by the moderator id
  the admin bot gives (core does not know who is a moderator; it refuses the trade's own
  parties). A resolved dispute cannot be resolved again ("dispute_resolved").

Lock order: trade row, then dispute row (claim locks only the dispute row).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError
from core.escrow import market
from core.escrow.models import Dispute, DisputeStatement, Trade, TradeStatus
from core.escrow.trades import (
    apply_refund,
    apply_release,
    get_trade,
    lock_trade,
    notify_parties,
    record_event,
    require_role,
    require_state,
)

REASON_MAX = 1000
OUTCOMES = ("release", "refund")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def start_dispute(
    session: AsyncSession, trade: Trade, *, opened_by: int | None, reason: str, now: datetime, rules: market.Rules
) -> Dispute:
    """PAID → DISPUTED (the caller holds the trade lock and checked the rules). Each party gets a
    deadline to state their side: the opener ``dispute_evidence_minutes`` for their evidence,
    the other party ``dispute_answer_minutes`` to answer (both that, when the system opened it)."""
    def due(user_id: int) -> datetime:
        return now + (rules.dispute_evidence if user_id == opened_by else rules.dispute_answer)

    dispute = Dispute(trade_id=trade.id, opened_by=opened_by, reason=reason, opened_at=now,
                      buyer_due_at=due(trade.buyer_id), seller_due_at=due(trade.seller_id))  # fmt: skip
    session.add(dispute)
    trade.status = TradeStatus.DISPUTED.value
    trade.disputed_at = now
    await session.flush()
    record_event(session, trade, "disputed", opened_by, now, reason=reason, dispute_id=dispute.id)
    opened = events.DisputeOpened(trade=trade.facts(), dispute_id=dispute.id, opened_by=opened_by, reason=reason,
                                  escalated=opened_by is None, buyer_due_at=dispute.buyer_due_at,
                                  seller_due_at=dispute.seller_due_at)  # fmt: skip
    notify_parties(session, opened, trade, [outbox.ADMINS, outbox.PAYMENTS_CHANNEL])
    return dispute


async def open_dispute(
    session: AsyncSession,
    *,
    trade_id: int,
    actor_id: int,
    reason: str,
    rules: market.Rules | None = None,
    now: datetime | None = None,
) -> Dispute:
    """Either party disputes a PAID trade, no sooner than ``dispute_after_minutes`` after PAID."""
    rules = rules or await market.rules(session)
    now = _now(now)
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError("reason_too_long", max=REASON_MAX, length=len(reason))
    trade = await lock_trade(session, trade_id)
    _check_disputable(trade, actor_id, rules, now)
    return await start_dispute(session, trade, opened_by=actor_id, reason=reason, now=now, rules=rules)


def _check_disputable(trade: Trade, actor_id: int, rules: market.Rules, now: datetime) -> None:
    require_role(trade, actor_id, "party")
    require_state(trade, TradeStatus.PAID)
    assert trade.paid_at is not None
    allowed_at = trade.paid_at + rules.dispute_after
    if now < allowed_at:
        raise DomainError("dispute_too_early", trade_id=trade.id, allowed_at=allowed_at.isoformat())


async def disputable(session: AsyncSession, *, trade_id: int, actor_id: int, now: datetime | None = None) -> Trade:
    """The trade, if ``actor_id`` may dispute it now (before asking them for a reason);
    open_dispute() checks again under the trade's lock."""
    trade = await get_trade(session, trade_id)
    _check_disputable(trade, actor_id, await market.rules(session), _now(now))
    return trade


async def get_dispute(session: AsyncSession, dispute_id: int) -> Dispute:
    dispute = await session.get(Dispute, dispute_id, populate_existing=True)
    if dispute is None:
        raise DomainError("dispute_not_found", dispute_id=dispute_id)
    return dispute


async def dispute_for_trade(session: AsyncSession, trade_id: int) -> Dispute | None:
    stmt = select(Dispute).where(Dispute.trade_id == trade_id).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_disputes(session: AsyncSession, *, limit: int = 20) -> list[Dispute]:
    """Unresolved disputes, oldest first (the admin queue)."""
    stmt = select(Dispute).where(Dispute.resolution.is_(None)).order_by(Dispute.opened_at, Dispute.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def statements(session: AsyncSession, dispute_id: int) -> list[DisputeStatement]:
    stmt = select(DisputeStatement).where(DisputeStatement.dispute_id == dispute_id).order_by(DisputeStatement.id)
    return list((await session.execute(stmt)).scalars())


async def add_statement(
    session: AsyncSession,
    *,
    trade_id: int,
    author_id: int,
    text: str | None = None,
    file_id: str | None = None,
) -> DisputeStatement:
    """A party's statement (text and/or a file) in the dispute of their trade."""
    trade = await session.get(Trade, trade_id)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    require_role(trade, author_id, "party")
    dispute = await dispute_for_trade(session, trade_id)
    if dispute is None:
        raise DomainError("dispute_not_found", trade_id=trade_id)
    if dispute.resolution is not None:
        raise DomainError("dispute_resolved", dispute_id=dispute.id, resolution=dispute.resolution)
    if not (text and text.strip()) and not file_id:
        raise DomainError("message_empty", trade_id=trade_id)
    if text is not None and len(text) > REASON_MAX * 4:
        raise DomainError("message_too_long", max=REASON_MAX * 4, length=len(text))
    statement = DisputeStatement(dispute_id=dispute.id, author_id=author_id, text=text, file_id=file_id)
    session.add(statement)
    await session.flush()
    said = events.DisputeStatement(dispute_id=dispute.id, trade_id=trade_id, statement_id=statement.id,
                                   author_id=author_id, text=text, file_id=file_id, owner_id=dispute.owner_id)
    outbox.emit(session, said, [outbox.ADMINS])  # the dispute's owner is staff: they read it there
    return statement


async def _lock_dispute(session: AsyncSession, dispute_id: int) -> Dispute:
    dispute = await session.get(Dispute, dispute_id, with_for_update=True, populate_existing=True)
    if dispute is None:
        raise DomainError("dispute_not_found", dispute_id=dispute_id)
    return dispute


async def _not_a_party(session: AsyncSession, dispute: Dispute, moderator_id: int) -> Trade:
    trade = await session.get(Trade, dispute.trade_id)
    assert trade is not None
    if moderator_id in trade.party_ids():
        raise DomainError("party_cannot_moderate", dispute_id=dispute.id)
    return trade


async def claim(
    session: AsyncSession, *, dispute_id: int, moderator_id: int, now: datetime | None = None
) -> Dispute:
    """Take ownership of an open dispute. Claiming your own again is a no-op; one owned by
    someone else raises ``dispute_owned`` with ``owner_id``."""
    dispute = await _lock_dispute(session, dispute_id)
    if dispute.resolution is not None:
        raise DomainError("dispute_resolved", dispute_id=dispute.id, resolution=dispute.resolution)
    trade = await _not_a_party(session, dispute, moderator_id)
    if dispute.owner_id == moderator_id:
        return dispute
    if dispute.owner_id is not None:
        raise DomainError("dispute_owned", dispute_id=dispute.id, owner_id=dispute.owner_id)
    dispute.owner_id, dispute.claimed_at = moderator_id, _now(now)
    record_event(session, trade, "dispute_claimed", moderator_id, _now(now), dispute_id=dispute.id)
    notify_parties(session, events.DisputeClaimed(trade=trade.facts(), dispute_id=dispute.id, owner_id=moderator_id),
                   trade, [outbox.ADMINS])
    await session.flush()
    return dispute


async def unclaim(
    session: AsyncSession, *, dispute_id: int, moderator_id: int, force: bool = False
) -> Dispute:
    """Give a dispute back to the queue (its owner, or anyone with ``force`` — an admin)."""
    dispute = await _lock_dispute(session, dispute_id)
    if dispute.owner_id is None:
        return dispute
    if dispute.owner_id != moderator_id and not force:
        raise DomainError("dispute_owned", dispute_id=dispute.id, owner_id=dispute.owner_id)
    dispute.owner_id, dispute.claimed_at = None, None
    unclaimed = events.DisputeUnclaimed(
        dispute_id=dispute.id, trade_id=dispute.trade_id, opened_by=dispute.opened_by, reason=dispute.reason,
        owner_id=dispute.owner_id, resolution=dispute.resolution, resolved_by=dispute.resolved_by,
        resolution_reason=dispute.resolution_reason,
    )
    outbox.emit(session, unclaimed, [outbox.ADMINS])
    await session.flush()
    return dispute


async def resolve(
    session: AsyncSession,
    *,
    dispute_id: int,
    moderator_id: int,
    outcome: str,
    reason: str,
    override: bool = False,
    now: datetime | None = None,
) -> Dispute:
    """Decide a dispute: ``outcome`` "release" (coins to the buyer, less fees) or "refund" (back
    to the seller). A dispute owned by another moderator needs ``override`` (an admin)."""
    now = _now(now)
    if outcome not in OUTCOMES:
        raise DomainError("outcome_invalid", outcome=outcome, allowed=list(OUTCOMES))
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required")
    found = await get_dispute(session, dispute_id)
    trade = await lock_trade(session, found.trade_id)
    dispute = await _lock_dispute(session, dispute_id)
    if dispute.resolution is not None:
        raise DomainError("dispute_resolved", dispute_id=dispute.id, resolution=dispute.resolution,
                          resolved_by=dispute.resolved_by)
    if moderator_id in trade.party_ids():
        raise DomainError("party_cannot_moderate", dispute_id=dispute.id)
    if dispute.owner_id is not None and dispute.owner_id != moderator_id and not override:
        raise DomainError("dispute_owned", dispute_id=dispute.id, owner_id=dispute.owner_id)
    require_state(trade, TradeStatus.DISPUTED)
    dispute.resolution, dispute.resolved_by = outcome, moderator_id
    dispute.resolved_at, dispute.resolution_reason = now, reason
    if dispute.owner_id is None:
        dispute.owner_id, dispute.claimed_at = moderator_id, now
    if outcome == "release":
        await apply_release(session, trade, now=now, actor_id=moderator_id, reason="dispute")
    else:
        await apply_refund(session, trade, now=now, actor_id=moderator_id, reason="dispute")
    record_event(session, trade, "dispute_resolved", moderator_id, now, dispute_id=dispute.id,
                 outcome=outcome, reason=reason)
    resolved = events.DisputeResolved(trade=trade.facts(), dispute_id=dispute.id, outcome=outcome, reason=reason,
                                      resolved_by=moderator_id)
    notify_parties(session, resolved, trade, [outbox.ADMINS])
    await session.flush()
    return dispute
