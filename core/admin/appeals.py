"""Appeals, the staff side (issue 22): an admin asks to hold up to the trade's amount of the
counterpart's balance (``request_hold``); a second, different admin approves (``approve_hold``),
and only then is the hold placed (the appeal's status "held": core.escrow.holds then refuses the
counterpart's withdrawals and transfers of what it covers). Closing the appeal lets it go.

Locks: the appeal's row serialises the decisions (of two approvals at once the second finds it
held: ``invalid_state``); the hold is written under the counterpart's row lock, the one
withdrawals and transfers take (holds.lock_user), so a withdrawal either went before it or sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.admin import audit, staff
from core.admin.staff import Permission
from core.config import Settings
from core.errors import DomainError
from core.escrow import holds
from core.escrow.appeals import get_appeal
from core.escrow.models import Appeal, Trade


async def _trade(session: AsyncSession, appeal: Appeal) -> Trade:
    trade = await session.get(Trade, appeal.trade_id)
    assert trade is not None
    return trade


async def request_hold(
    session: AsyncSession, settings: Settings, *, actor_id: int, appeal_id: int, amount: int | None = None
) -> Appeal:
    """Ask to hold ``amount`` (default and at most the trade's amount) of the counterpart's balance."""
    await staff.require(session, actor_id, Permission.DISPUTES, settings)
    appeal = await get_appeal(session, appeal_id, lock=True)
    if appeal.status != "open":
        raise DomainError("invalid_state", status=appeal.status)
    if actor_id in (appeal.appellant_id, appeal.counterpart_id):
        raise DomainError("party_cannot_moderate")
    trade = await _trade(session, appeal)
    amount = trade.crypto_amount if amount is None else amount
    if not 0 < amount <= trade.crypto_amount:
        raise DomainError("appeal_hold_invalid", amount=amount, most=trade.crypto_amount, asset=trade.asset)
    appeal.status, appeal.hold_amount, appeal.hold_asset = "hold_requested", amount, trade.asset
    appeal.hold_requested_by = actor_id
    await session.flush()
    await audit.record(session, actor_id=actor_id, action="appeal.hold_request", target=f"appeal:{appeal.id}",
                       user_id=appeal.counterpart_id, trade_id=trade.id, asset=trade.asset, amount=amount)  # fmt: skip
    outbox.emit(session, events.AppealHoldRequested(appeal_id=appeal.id, trade_id=trade.id, user_id=appeal.counterpart_id,
                                                    asset=trade.asset, amount=amount, requested_by=actor_id),
                [outbox.ADMINS])  # fmt: skip
    return appeal


async def approve_hold(session: AsyncSession, settings: Settings, *, actor_id: int, appeal_id: int) -> Appeal:
    """A second admin approves: the hold is placed now."""
    await staff.require(session, actor_id, Permission.DISPUTES, settings)
    appeal = await get_appeal(session, appeal_id, lock=True)
    if appeal.status != "hold_requested":
        raise DomainError("invalid_state", status=appeal.status)
    if actor_id == appeal.hold_requested_by:
        raise DomainError("appeal_own_request", appeal_id=appeal.id)
    if actor_id in (appeal.appellant_id, appeal.counterpart_id):
        raise DomainError("party_cannot_moderate")
    assert appeal.hold_amount is not None
    trade = await _trade(session, appeal)
    await holds.lock_user(session, appeal.counterpart_id)  # withdrawals and transfers wait, then see it
    appeal.status, appeal.hold_approved_by = "held", actor_id
    await session.flush()
    await audit.record(session, actor_id=actor_id, action="appeal.hold_approve", target=f"appeal:{appeal.id}",
                       user_id=appeal.counterpart_id, trade_id=trade.id, asset=trade.asset,
                       amount=appeal.hold_amount, requested_by=appeal.hold_requested_by)  # fmt: skip
    _announce(session, appeal, trade, placed=True, by=actor_id)
    return appeal


async def close_appeal(
    session: AsyncSession, settings: Settings, *, actor_id: int, appeal_id: int, resolution: str
) -> Appeal:
    """Close the case with what was decided; a hold placed for it goes."""
    await staff.require(session, actor_id, Permission.DISPUTES, settings)
    resolution = resolution.strip()
    if not resolution:
        raise DomainError("reason_required")
    appeal = await get_appeal(session, appeal_id, lock=True)
    if appeal.status == "closed":
        raise DomainError("invalid_state", status=appeal.status)
    trade = await _trade(session, appeal)
    now = datetime.now(UTC)
    if appeal.status == "held":
        _announce(session, appeal, trade, placed=False, by=actor_id)
    appeal.status, appeal.closed_by, appeal.closed_at, appeal.resolution = "closed", actor_id, now, resolution
    await session.flush()
    await audit.record(session, actor_id=actor_id, action="appeal.close", target=f"appeal:{appeal.id}",
                       user_id=appeal.counterpart_id, trade_id=trade.id, reason=resolution)  # fmt: skip
    return appeal


def _announce(session: AsyncSession, appeal: Appeal, trade: Trade, *, placed: bool, by: int) -> None:
    assert appeal.hold_amount is not None
    outbox.emit(session, events.AppealHoldChanged(appeal_id=appeal.id, trade_id=trade.id, user_id=appeal.counterpart_id,
                                                  asset=trade.asset, amount=appeal.hold_amount, placed=placed, by=by),
                [outbox.ADMINS, outbox.user(appeal.counterpart_id)])  # fmt: skip
