"""Referrals. Every user has a code (users.referral_code); the deep link
t.me/<bot>?start=ref_<code> brings new users. A new user is linked to the referrer once:
never later (only within ``referral_link_minutes`` of their first contact), never to themselves
(also a CHECK on users), never re-linked, never in a circle.

For ``referral_days`` after the referred user joined, each of their completed trades earns the
referrer ``referral_share_pct`` of the fee that user paid, from the platform's FEES account to
the referrer's available balance (ledger kind "referral_reward", one key per trade and user).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.accounts.config import get_accounts_settings
from core.ledger import AccountRef, Purpose, transfer
from core.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from core.money import Asset, fee_for
from core.users import REFERRAL_ALPHABET, User

KIND = "referral_reward"
PREFIX = "ref_"
_CODE = re.compile(f"^[{REFERRAL_ALPHABET}]{{4,16}}$")
MAX_CHAIN = 100


def start_payload(user: User) -> str:
    """What follows ?start= in the user's referral link."""
    return f"{PREFIX}{user.referral_code}"


def parse_payload(payload: str | None) -> str | None:
    """The referral code in a /start payload ("ref_ABCD2345"), or None."""
    if not payload or not payload.startswith(PREFIX):
        return None
    code = payload.removeprefix(PREFIX).upper()
    return code if _CODE.match(code) else None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def _in_chain_above(session: AsyncSession, referrer: User, user_id: int) -> bool:
    """Is ``user_id`` the referrer or one of the referrer's referrers (a link would close a circle)?"""
    current: int | None = referrer.id
    for _ in range(MAX_CHAIN):
        if current is None:
            return False
        if current == user_id:
            return True
        current = await session.scalar(select(User.referred_by).where(User.id == current))
    return True  # a chain this long is not a real one: refuse


async def link_referral(session: AsyncSession, user: User, code: str, now: datetime | None = None) -> bool:
    """Link a new ``user`` to the owner of ``code`` (a code or a "ref_<code>" payload).
    Returns True when linked now; False (and changes nothing) for an unknown code, oneself,
    an already linked user, a user who is no longer new, or a circle."""
    code = parse_payload(code) or code.upper()
    if not _CODE.match(code):
        return False
    settings = get_accounts_settings()
    fresh = await session.get(User, user.id, with_for_update=True, populate_existing=True)
    if fresh is None or fresh.referred_by is not None:
        return False
    if fresh.created_at < _now(now) - timedelta(minutes=settings.referral_link_minutes):
        return False
    referrer = await session.scalar(select(User).where(User.referral_code == code))
    if referrer is None or referrer.id == user.id or await _in_chain_above(session, referrer, user.id):
        return False
    linked = await session.scalar(
        update(User)
        .where(User.id == user.id, User.referred_by.is_(None))
        .values(referred_by=referrer.id)
        .returning(User.id)
    )
    if linked is None:
        return False
    user.referred_by = referrer.id
    outbox.emit(session, events.ReferralJoined(user_id=user.id, name=fresh.display_name),
                [outbox.user(referrer.id)])
    return True


def reward_for(fee_micro: int) -> int:
    return fee_for(fee_micro, get_accounts_settings().referral_share_pct)


async def reward_referrer(
    session: AsyncSession, *, trade_id: int, user_id: int, fee_micro: int, asset: Asset, now: datetime | None = None
) -> int:
    """A trade completed and ``user_id`` paid ``fee_micro`` of fees in it: credit their referrer
    their share, once per trade and user (a second call, even concurrent, moves nothing).
    Call it in the release transaction, after the fee reached the FEES account.
    Returns what was credited by this call (0: no referrer, period over, nothing to pay, replay)."""
    if type(fee_micro) is not int or fee_micro < 0:
        raise ValueError("fee_micro must be a non-negative int of micro units")
    user = await session.get(User, user_id)
    if user is None or user.referred_by is None:
        return 0
    settings = get_accounts_settings()
    if _now(now) >= user.created_at + timedelta(days=settings.referral_days):
        return 0
    amount = reward_for(fee_micro)
    if amount <= 0:
        return 0
    asset = Asset(asset)
    result = await transfer(
        session,
        kind=KIND,
        key=f"{KIND}:{trade_id}:{user_id}",
        src=AccountRef.platform(Purpose.FEES),
        dst=AccountRef.user(user.referred_by),
        asset=asset,
        amount=amount,
        ref=f"trade:{trade_id}",
        memo={"trade_id": trade_id, "referred_id": user_id, "referred_name": user.display_name, "fee": fee_micro},
    )
    if not result.created:
        return 0
    reward = events.ReferralReward(trade_id=trade_id, asset=str(asset), amount=amount, referred_name=user.display_name)
    outbox.emit(session, reward, [outbox.user(user.referred_by)])
    return amount


@dataclass(frozen=True)
class ReferralSummary:
    code: str
    payload: str
    referred: int  # users linked to this one
    earned: dict[Asset, int]  # all referral rewards received, per asset


async def summary(session: AsyncSession, user: User) -> ReferralSummary:
    count = await session.scalar(select(func.count()).select_from(User).where(User.referred_by == user.id))
    rows = await session.execute(
        select(LedgerAccount.asset, func.sum(LedgerPosting.amount))
        .select_from(LedgerPosting)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            LedgerAccount.owner_kind == "user",
            LedgerAccount.owner_id == user.id,
            LedgerAccount.purpose == str(Purpose.AVAILABLE),
            LedgerEntry.kind == KIND,
        )
        .group_by(LedgerAccount.asset)
    )
    earned = {asset: 0 for asset in Asset}
    for asset, total in rows:
        earned[Asset(asset)] = int(total or 0)
    return ReferralSummary(user.referral_code, start_payload(user), int(count or 0), earned)
