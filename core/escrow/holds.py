"""Risk holds: coins bought in a P2P trade by an account younger than RISK_HOLD_MIN_ACCOUNT_AGE
(7 days) or at KYC level 0 may be traded on (sold in an offer) at once, but neither withdrawn
nor sent by internal transfer for RISK_HOLD_HOURS (24): a buyer paying with stolen or reversible
money cannot take the coins out before the seller learns of it.

A hold is a row, not a ledger account: the coins stay in the buyer's available balance. It is
recorded by ``record`` in the release's transaction (core.escrow.trades.apply_release); the
withdrawal and transfer services call ``check_spendable``, under the user's row lock, and refuse
an amount above available − active holds with DomainError("funds_on_hold", held, until, asset,
spendable).
Appeals' holds (core.admin.appeals) are refused the same way (``funds_on_appeal_hold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.config import get_accounts_settings
from core.errors import DomainError
from core.escrow.models import Appeal, RiskHold
from core.money import Asset
from core.users import User


@dataclass(frozen=True)
class Held:
    amount: int  # micro units on hold now
    until: datetime | None  # when the last of them is free (None: nothing held)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def applies_to(buyer: User, now: datetime) -> bool:
    """A hold for this buyer's purchases: KYC level 0, or an account younger than the minimum."""
    settings = get_accounts_settings()
    if settings.risk_hold_hours <= 0:
        return False
    return buyer.kyc_level == 0 or now - buyer.created_at < settings.risk_hold_min_account_age


async def record(
    session: AsyncSession, *, buyer: User, trade_id: int, asset: Asset, amount: int, now: datetime
) -> RiskHold | None:
    """In the release's transaction: hold what the buyer received, when the rule applies."""
    if amount <= 0 or not applies_to(buyer, now):
        return None
    hold = RiskHold(
        user_id=buyer.id,
        trade_id=trade_id,
        asset=str(Asset(asset)),
        amount=amount,
        until=now + timedelta(hours=get_accounts_settings().risk_hold_hours),
    )
    session.add(hold)
    await session.flush()
    return hold


async def held(session: AsyncSession, user_id: int, asset: Asset, now: datetime | None = None) -> Held:
    row = (
        await session.execute(
            select(func.coalesce(func.sum(RiskHold.amount), 0), func.max(RiskHold.until)).where(
                RiskHold.user_id == user_id, RiskHold.asset == str(Asset(asset)), RiskHold.until > _now(now)
            )
        )
    ).one()
    return Held(int(row[0]), row[1])


async def held_by_asset(session: AsyncSession, user_id: int, now: datetime | None = None) -> dict[Asset, Held]:
    """Every asset's active holds (the wallet screen)."""
    return {asset: await held(session, user_id, asset, now) for asset in Asset}


async def appeal_held(session: AsyncSession, user_id: int, asset: Asset) -> int:
    """What appeals hold of ``user_id``'s balance (core.admin.appeals: placed by two admins, until
    the appeal closes)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Appeal.hold_amount), 0)).where(
            Appeal.counterpart_id == user_id, Appeal.status == "held", Appeal.hold_asset == str(Asset(asset)))
    )  # fmt: skip
    return int(total or 0)


async def check_spendable(
    session: AsyncSession, user_id: int, asset: Asset, *, needed: int, available: int, now: datetime | None = None
) -> None:
    """Refuse taking ``needed`` out of the platform (withdrawal, transfer) when it reaches into
    coins on hold (``funds_on_appeal_hold`` when an appeal holds some). The caller holds the
    user's row lock (``lock_user``)."""
    h = await held(session, user_id, asset, now)
    appeal = await appeal_held(session, user_id, asset)
    if appeal and needed > available - h.amount - appeal:
        raise DomainError("funds_on_appeal_hold", asset=str(Asset(asset)), held=appeal + h.amount,
                          spendable=max(available - h.amount - appeal, 0))  # fmt: skip
    if h.amount and needed > available - h.amount:
        assert h.until is not None
        raise DomainError(
            "funds_on_hold", asset=str(Asset(asset)), held=h.amount, until=h.until.isoformat(),
            spendable=max(available - h.amount, 0),
        )  # fmt: skip


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """The user's row lock, the one request_withdrawal takes: checks of what may leave (and the
    writes they allow) run one at a time per user, withdrawals and transfers alike."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
