"""What staff do, each as one call: check the role, make the change, write the audit row, all in
the caller's transaction (nothing here commits). The handlers of the admin bot call these and
nothing lower, so a rule cannot be skipped by a forged button.

Error codes (DomainError.code): ``forbidden`` (permission, role), ``reason_required``,
``user_not_found``, ``staff_self``, ``already_staff``, ``not_moderator``, ``adjust_invalid``,
``adjust_own_request`` (a second admin must approve), ``adjustment_not_found``,
``already_frozen`` / ``not_frozen``, ``user_frozen``, and those of core.escrow and core.wallet.withdrawals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.accounts import second_factor
from core.admin import audit, staff
from core.admin.models import BalanceAdjustment
from core.admin.staff import Permission
from core.config import Settings
from core.errors import DomainError
from core.escrow import disputes, market, market_rate
from core.escrow.chat import record_message
from core.escrow.models import Dispute, MarketRate
from core.escrow.trades import get_trade
from core.ledger import AccountRef, Purpose, transfer
from core.money import Asset, Fiat
from core.users import User
from core.wallet import withdrawals
from core.wallet.models import Withdrawal, WithdrawalApproval, WithdrawalStatus

REASON_MAX = 500
STAFF_MESSAGE_MAX = 2000
ADJUST_PENDING, ADJUST_APPLIED, ADJUST_REJECTED = "pending", "applied", "rejected"


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError("reason_required")
    if len(text) > REASON_MAX:
        raise DomainError("reason_too_long", max=REASON_MAX, length=len(text))
    return text


async def _user(session: AsyncSession, user_id: int, *, lock: bool = False) -> User:
    user = await session.get(User, user_id, with_for_update=lock, populate_existing=True)
    if user is None:
        raise DomainError("user_not_found", user_id=user_id)
    return user


# --- disputes ------------------------------------------------------------------------------------


async def take_dispute(session: AsyncSession, settings: Settings, *, actor_id: int, dispute_id: int) -> Dispute:
    """Own a dispute; one owned by someone else raises ``dispute_owned`` (owner_id)."""
    await staff.require(session, actor_id, Permission.DISPUTES, settings)
    before = (await disputes.get_dispute(session, dispute_id)).owner_id
    dispute = await disputes.claim(session, dispute_id=dispute_id, moderator_id=actor_id)
    if before != actor_id:
        await audit.record(session, actor_id=actor_id, action="dispute.take", target=f"dispute:{dispute.id}",
                           trade_id=dispute.trade_id)
    return dispute


async def drop_dispute(session: AsyncSession, settings: Settings, *, actor_id: int, dispute_id: int) -> Dispute:
    """Give a dispute back to the queue: its owner, or an admin for anyone's."""
    role = await staff.require(session, actor_id, Permission.DISPUTES, settings)
    force = staff.allows(role, Permission.OVERRIDE)
    dispute = await disputes.unclaim(session, dispute_id=dispute_id, moderator_id=actor_id, force=force)
    await audit.record(session, actor_id=actor_id, action="dispute.drop", target=f"dispute:{dispute.id}",
                       trade_id=dispute.trade_id)
    return dispute


async def message_parties(
    session: AsyncSession, settings: Settings, *, actor_id: int, dispute_id: int, text: str
) -> None:
    """The dispute's owner writes to both parties through the trade chat (stored as evidence)."""
    await staff.require(session, actor_id, Permission.DISPUTES, settings)
    text = text.strip()
    if not text:
        raise DomainError("message_empty")
    if len(text) > STAFF_MESSAGE_MAX:
        raise DomainError("message_too_long", max=STAFF_MESSAGE_MAX, length=len(text))
    dispute = await disputes.get_dispute(session, dispute_id)
    if dispute.resolution is not None:
        raise DomainError("dispute_resolved", dispute_id=dispute.id, resolution=dispute.resolution)
    if dispute.owner_id != actor_id:
        raise DomainError("dispute_not_yours", dispute_id=dispute.id, owner_id=dispute.owner_id)
    trade = await get_trade(session, dispute.trade_id)
    await record_message(session, trade, sender_id=actor_id, kind="text", text=text)
    outbox.emit(
        session,
        events.DisputeStaffMessage(dispute_id=dispute.id, trade_id=trade.id, text=text),
        [outbox.user(trade.seller_id), outbox.user(trade.buyer_id)],
    )
    await audit.record(session, actor_id=actor_id, action="dispute.message", target=f"dispute:{dispute.id}",
                       trade_id=trade.id, text=text)


async def resolve_dispute(
    session: AsyncSession, settings: Settings, *, actor_id: int, dispute_id: int, outcome: str, reason: str
) -> Dispute:
    """Release to the buyer or refund to the seller. Core locks the trade: two staff pressing
    at once give one outcome, the second gets ``dispute_resolved``."""
    role = await staff.require(session, actor_id, Permission.DISPUTES, settings)
    reason = _reason(reason)
    dispute = await disputes.resolve(
        session, dispute_id=dispute_id, moderator_id=actor_id, outcome=outcome, reason=reason,
        override=staff.allows(role, Permission.OVERRIDE),
    )  # fmt: skip
    await audit.record(session, actor_id=actor_id, action=f"dispute.{outcome}", target=f"dispute:{dispute.id}",
                       trade_id=dispute.trade_id, reason=reason)
    return dispute


# --- withdrawals ---------------------------------------------------------------------------------


async def approve_withdrawal(
    session: AsyncSession, settings: Settings, *, actor_id: int, withdrawal_id: int,
    proof: second_factor.Proof | None = None,
) -> Withdrawal:
    """One admin's approval; the same admin again counts once (and is not audited twice). A
    withdrawal needing two admins needs each one's own code too (their second factor, which
    they must have switched on: DomainError second_factor_needed)."""
    await staff.require(session, actor_id, Permission.WITHDRAWALS, settings)
    pending = await session.get(Withdrawal, withdrawal_id)
    if pending is not None and (await _user(session, pending.user_id)).is_banned:
        raise DomainError("user_frozen", user_id=pending.user_id)  # unfreeze first, or reject
    before = set(await withdrawals_approvers(session, withdrawal_id))
    if pending is not None and needs_admin_code(pending) and actor_id not in before:
        if not await second_factor.is_on(session, actor_id):
            raise DomainError("second_factor_needed")
        await second_factor.require(session, actor_id, proof)
    w = await withdrawals.approve(session, withdrawal_id, actor_id)
    if actor_id not in before:
        await audit.record(session, actor_id=actor_id, action="withdrawal.approve", target=f"withdrawal:{w.id}",
                           user_id=w.user_id, status=str(w.status))
    return w


def needs_admin_code(w: Withdrawal) -> bool:
    """An approval of this withdrawal needs the admin's one-time code: it is past the two-admin
    threshold and still waiting."""
    return w.approvals_needed >= 2 and w.status == WithdrawalStatus.AWAITING_APPROVAL


async def withdrawals_approvers(session: AsyncSession, withdrawal_id: int) -> list[int]:
    stmt = select(WithdrawalApproval.admin_id).where(WithdrawalApproval.withdrawal_id == withdrawal_id)
    return list((await session.execute(stmt)).scalars())


async def reject_withdrawal(
    session: AsyncSession, settings: Settings, *, actor_id: int, withdrawal_id: int, reason: str
) -> Withdrawal:
    """Refuse a withdrawal; the hold goes back to the user's available balance."""
    await staff.require(session, actor_id, Permission.WITHDRAWALS, settings)
    reason = _reason(reason)
    w = await withdrawals.reject(session, withdrawal_id, actor_id, reason)
    await audit.record(session, actor_id=actor_id, action="withdrawal.reject", target=f"withdrawal:{w.id}",
                       user_id=w.user_id, reason=reason)
    return w


# --- users ---------------------------------------------------------------------------------------


async def set_frozen(
    session: AsyncSession, settings: Settings, *, actor_id: int, user_id: int, frozen: bool, reason: str
) -> User:
    """Freeze (no trading, no withdrawals) or unfreeze a user; the user is told why."""
    await staff.require(session, actor_id, Permission.FREEZE, settings)
    reason = _reason(reason)
    if user_id == actor_id:
        raise DomainError("staff_self")
    user = await _user(session, user_id, lock=True)
    if user.is_banned == frozen:
        raise DomainError("already_frozen" if frozen else "not_frozen", user_id=user_id)
    user.is_banned = frozen
    told = events.AccountFrozen if frozen else events.AccountUnfrozen
    outbox.emit(session, told(user_id=user_id, reason=reason), [outbox.user(user_id)])
    await audit.record(session, actor_id=actor_id, action="user.freeze" if frozen else "user.unfreeze",
                       target=f"user:{user_id}", user_id=user_id, reason=reason)
    return user


async def adjust_balance(
    session: AsyncSession,
    settings: Settings,
    *,
    actor_id: int,
    user_id: int,
    asset: Asset,
    amount: int,
    reason: str,
    request_key: str,
) -> BalanceAdjustment:
    """Credit (amount > 0) or debit (amount < 0) a user's available balance through a ledger
    entry of kind "adjustment" against the platform's ADJUSTMENTS account; never one's own
    (``staff_self``). Up to the asset's limit (market rules ``adjust_limit_usdt`` /
    ``adjust_limit_trx``, counting what this admin adjusted alone in the last 24 hours, so that
    splitting does not help) it applies at once; above it the request is stored as pending,
    shown to the admins, and no money moves until a second admin approves (``approve_adjustment``).
    ``request_key`` identifies the admin's request (a confirmation pressed twice counts once)."""
    await staff.require(session, actor_id, Permission.ADJUST, settings)
    reason = _reason(reason)
    if type(amount) is not int or amount == 0:
        raise DomainError("adjust_invalid", amount=str(amount))
    if user_id == actor_id:
        raise DomainError("staff_self")
    await _user(session, user_id)
    asset = Asset(asset)
    limit = (await market.rules(session)).adjust_limit(asset)
    alone = await _adjusted_alone(session, actor_id, asset)  # under the actor's lock until commit
    stmt = (
        insert(BalanceAdjustment)
        .values(request_key=request_key, user_id=user_id, asset=asset.value, amount=amount, reason=reason,
                requested_by=actor_id, status=ADJUST_PENDING)
        .on_conflict_do_nothing()
        .returning(BalanceAdjustment.id)
    )  # fmt: skip
    adjustment_id = (await session.execute(stmt)).scalar_one_or_none()
    if adjustment_id is None:
        raise DomainError("invalid_state")  # this request was already made
    adjustment = await _adjustment(session, adjustment_id)
    if alone + abs(amount) <= limit:
        await _apply_adjustment(session, adjustment, decided_by=None)
        await audit.record(session, actor_id=actor_id, action="user.adjust", target=f"user:{user_id}",
                           user_id=user_id, reason=reason, asset=asset.value, amount=amount,
                           adjustment_id=adjustment.id)  # fmt: skip
        return adjustment
    await audit.record(session, actor_id=actor_id, action="user.adjust_request", target=f"adjustment:{adjustment.id}",
                       user_id=user_id, reason=reason, asset=asset.value, amount=amount, limit=limit)  # fmt: skip
    outbox.emit(session, events.AdjustmentRequested(adjustment=adjustment_facts(adjustment)), [outbox.ADMINS])
    return adjustment


async def approve_adjustment(
    session: AsyncSession, settings: Settings, *, actor_id: int, adjustment_id: int
) -> BalanceAdjustment:
    """A second admin approves a pending adjustment: the ledger entry, the status and the audit
    row in the caller's transaction. The row lock serialises approvals: of two admins at once
    the second gets ``invalid_state``; the same admin again counts once (nothing happens)."""
    await staff.require(session, actor_id, Permission.ADJUST, settings)
    adjustment = await _adjustment(session, adjustment_id, lock=True)
    if adjustment.status == ADJUST_APPLIED and adjustment.decided_by == actor_id:
        return adjustment
    if adjustment.status != ADJUST_PENDING:
        raise DomainError("invalid_state", status=adjustment.status)
    if actor_id == adjustment.requested_by:
        raise DomainError("adjust_own_request", adjustment_id=adjustment.id)
    if actor_id == adjustment.user_id:
        raise DomainError("staff_self")
    await _apply_adjustment(session, adjustment, decided_by=actor_id)
    await audit.record(session, actor_id=actor_id, action="user.adjust_approve", target=f"adjustment:{adjustment.id}",
                       user_id=adjustment.user_id, reason=adjustment.reason, asset=adjustment.asset,
                       amount=adjustment.amount, requested_by=adjustment.requested_by)  # fmt: skip
    outbox.emit(session, events.AdjustmentDecided(adjustment=adjustment_facts(adjustment)), [outbox.ADMINS])
    return adjustment


async def reject_adjustment(
    session: AsyncSession, settings: Settings, *, actor_id: int, adjustment_id: int
) -> BalanceAdjustment:
    """Drop a pending adjustment (any admin, the requester included); no money moves."""
    await staff.require(session, actor_id, Permission.ADJUST, settings)
    adjustment = await _adjustment(session, adjustment_id, lock=True)
    if adjustment.status != ADJUST_PENDING:
        raise DomainError("invalid_state", status=adjustment.status)
    adjustment.status, adjustment.decided_by, adjustment.decided_at = ADJUST_REJECTED, actor_id, datetime.now(UTC)
    await session.flush()
    await audit.record(session, actor_id=actor_id, action="user.adjust_reject", target=f"adjustment:{adjustment.id}",
                       user_id=adjustment.user_id, asset=adjustment.asset, amount=adjustment.amount,
                       requested_by=adjustment.requested_by)  # fmt: skip
    outbox.emit(session, events.AdjustmentDecided(adjustment=adjustment_facts(adjustment)), [outbox.ADMINS])
    return adjustment


async def pending_adjustments(session: AsyncSession, settings: Settings, *, actor_id: int) -> list[BalanceAdjustment]:
    """Adjustments waiting for a second admin, oldest first."""
    await staff.require(session, actor_id, Permission.ADJUST, settings)
    stmt = select(BalanceAdjustment).where(BalanceAdjustment.status == ADJUST_PENDING).order_by(BalanceAdjustment.id)
    return list((await session.execute(stmt)).scalars())


async def _adjusted_alone(session: AsyncSession, actor_id: int, asset: Asset) -> int:
    """What ``actor_id`` adjusted in ``asset`` without a second admin in the last 24 hours (micro
    units, credits and debits alike). Takes the actor's adjustment lock first (held until the
    transaction ends), so that two requests at once cannot both fit under the limit."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"admin:adjust:{actor_id}"})  # fmt: skip
    total = await session.scalar(
        select(func.coalesce(func.sum(func.abs(BalanceAdjustment.amount)), 0)).where(
            BalanceAdjustment.requested_by == actor_id,
            BalanceAdjustment.asset == asset.value,
            BalanceAdjustment.status == ADJUST_APPLIED,
            BalanceAdjustment.decided_by.is_(None),
            BalanceAdjustment.created_at > func.now() - timedelta(hours=24),
        )
    )
    return int(total or 0)


async def _adjustment(session: AsyncSession, adjustment_id: int, *, lock: bool = False) -> BalanceAdjustment:
    found = await session.get(BalanceAdjustment, adjustment_id, with_for_update=lock, populate_existing=True)
    if found is None:
        raise DomainError("adjustment_not_found", adjustment_id=adjustment_id)
    return found


async def _apply_adjustment(session: AsyncSession, adjustment: BalanceAdjustment, *, decided_by: int | None) -> None:
    """The ledger entry (keyed by the request: it can happen once), status "applied", the user told."""
    user_id, amount, asset = adjustment.user_id, adjustment.amount, Asset(adjustment.asset)
    platform, account = AccountRef.platform(Purpose.ADJUSTMENTS), AccountRef.user(user_id)
    src, dst = (platform, account) if amount > 0 else (account, platform)
    result = await transfer(
        session, kind="adjustment", key=f"adjustment:{adjustment.request_key}", src=src, dst=dst, asset=asset,
        amount=abs(amount), ref=f"user:{user_id}",
        memo={"by": adjustment.requested_by, "approved_by": decided_by, "reason": adjustment.reason},
    )  # fmt: skip
    if not result.created:
        raise DomainError("invalid_state")  # this request was already applied
    adjustment.status, adjustment.decided_by, adjustment.decided_at = ADJUST_APPLIED, decided_by, datetime.now(UTC)
    await session.flush()
    adjusted = events.AccountAdjusted(user_id=user_id, asset=asset.value, amount=amount, reason=adjustment.reason)
    outbox.emit(session, adjusted, [outbox.user(user_id)])


def adjustment_facts(adjustment: BalanceAdjustment) -> events.Adjustment:
    """The facts of an adjustment (its events, the admin bot's list)."""
    return events.Adjustment(
        adjustment_id=adjustment.id, user_id=adjustment.user_id, asset=adjustment.asset, amount=adjustment.amount,
        reason=adjustment.reason, requested_by=adjustment.requested_by, status=adjustment.status,
        decided_by=adjustment.decided_by,
    )


# --- market settings -------------------------------------------------------------------------------


async def set_rate(
    session: AsyncSession, settings: Settings, *, actor_id: int, asset: Asset, fiat: Fiat, rate: Decimal
) -> Decimal:
    """A new reference rate, in force at once; announced in the payments channel."""
    await staff.require(session, actor_id, Permission.MARKET, settings)
    old = await market.get_reference_rate(session, asset, fiat)
    new = await market.set_reference_rate(session, asset=asset, fiat=fiat, rate=rate, actor_id=actor_id)
    outbox.emit(session, events.MarketAnnouncement(what="rate", value=new, asset=asset.value, fiat=fiat.value),
                [outbox.PAYMENTS_CHANNEL])
    await audit.record(session, actor_id=actor_id, action="market.rate", target=f"rate:{asset.value}/{fiat.value}",
                       old=str(old) if old is not None else None, new=str(new))
    return new


async def pin_rate(
    session: AsyncSession, settings: Settings, *, actor_id: int, asset: Asset, fiat: Fiat, pinned: bool
) -> MarketRate:
    """Pin the admins' reference rate (the market's median no longer moves it), or unpin it."""
    await staff.require(session, actor_id, Permission.MARKET, settings)
    row = await market_rate.pin(session, asset=asset, fiat=fiat, pinned=pinned, actor_id=actor_id)
    await audit.record(session, actor_id=actor_id, action="market.pin" if pinned else "market.unpin",
                       target=f"rate:{asset.value}/{fiat.value}", new=str(row.rate))  # fmt: skip
    return row


ANNOUNCED_RULES = frozenset({"maker_fee_pct", "taker_fee_pct"})


async def set_rule(
    session: AsyncSession, settings: Settings, *, actor_id: int, name: str, value: str
) -> market.Rules:
    """Change a marketplace knob (fees, limits, timers), in force at once; fee changes are
    announced in the payments channel."""
    await staff.require(session, actor_id, Permission.MARKET, settings)
    old = getattr(await market.rules(session), name, None)
    rules = await market.set_rule(session, name=name, value=value.strip(), actor_id=actor_id)
    new = getattr(rules, name)
    if name in ANNOUNCED_RULES:
        outbox.emit(session, events.MarketAnnouncement(what=name, value=new), [outbox.PAYMENTS_CHANNEL])
    await audit.record(session, actor_id=actor_id, action="market.rule", target=f"rule:{name}",
                       old=str(old) if old is not None else None, new=str(new))
    return rules


# --- staff ---------------------------------------------------------------------------------------


async def add_moderator(session: AsyncSession, settings: Settings, *, actor_id: int, user_id: int) -> User:
    await staff.require(session, actor_id, Permission.STAFF, settings)
    user = await _user(session, user_id)
    if await staff.role_of(session, settings, user_id) is not None:
        raise DomainError("already_staff", user_id=user_id)
    if not await staff.store_moderator(session, user_id, actor_id):
        raise DomainError("already_staff", user_id=user_id)
    await audit.record(session, actor_id=actor_id, action="staff.add", target=f"user:{user_id}", user_id=user_id,
                       role=staff.Role.MODERATOR.value)
    return user


async def remove_moderator(session: AsyncSession, settings: Settings, *, actor_id: int, user_id: int) -> None:
    await staff.require(session, actor_id, Permission.STAFF, settings)
    if not await staff.delete_moderator(session, user_id):
        raise DomainError("not_moderator", user_id=user_id)
    await audit.record(session, actor_id=actor_id, action="staff.remove", target=f"user:{user_id}",
                       user_id=user_id, role=staff.Role.MODERATOR.value)
