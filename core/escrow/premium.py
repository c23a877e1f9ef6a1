"""Premium membership: bought from the USDT balance for ``premium_days`` (renewing extends from
the current end), it lowers the trading fees, shows a badge on offers and in profiles, and lets
the member promote a few offers (promoted offers are listed first among equal prices).

The price moves from the member's available USDT to the platform's REVENUE account (ledger kind
"premium"). The expiry jobs remind the member ``premium_remind_days`` before the end, and at the
end take the badge (users.tier) and the promotions away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import events, outbox
from core.accounts.config import get_accounts_settings
from core.accounts.models import PremiumReminder
from core.db import transaction
from core.errors import DomainError, Forbidden, NotFound
from core.escrow.models import Offer, OfferStatus
from core.ledger import AccountRef, Purpose, transfer
from core.ledger.models import LedgerEntry
from core.money import Asset
from core.users import Tier, User

KIND = "premium"
PRICE_ASSET = Asset.USDT
PCT_QUANTUM = Decimal("0.001")  # offers.maker_fee_pct is NUMERIC(7, 3)
OPEN_OFFERS = (OfferStatus.ACTIVE.value, OfferStatus.PAUSED.value)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def _announce(session: AsyncSession, offer: Offer) -> None:
    # core.escrow calls this module (fees) at import time, so escrow is imported at call time.
    from core.escrow.offers import announce_offer

    await announce_offer(session, offer, "updated")


def is_premium(user: User, now: datetime | None = None) -> bool:
    """Is the membership running now? (The badge and the discount follow this.)"""
    return user.premium_until is not None and user.premium_until > _now(now)


def fee_discount_pct(user: User, now: datetime | None = None) -> Decimal:
    """How many percent of the trading fee a member does not pay (0 for everyone else)."""
    return get_accounts_settings().premium_fee_discount_pct if is_premium(user, now) else Decimal(0)


def fee_pct_for(user: User, base_pct: Decimal, now: datetime | None = None) -> Decimal:
    """The fee percent ``user`` pays when the market's is ``base_pct``: lowered for members,
    rounded down to 0.001 (in the user's favour)."""
    discount = fee_discount_pct(user, now)
    if not discount:
        return base_pct
    return (base_pct * (100 - discount) / 100).quantize(PCT_QUANTUM, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Purchase:
    until: datetime
    price: int  # USDT micro units
    entry_id: int
    created: bool  # False: this token was used before; nothing was charged this time


async def buy(
    session: AsyncSession, *, user_id: int, token: str, now: datetime | None = None
) -> Purchase:
    """Charge the price and extend the membership by ``premium_days`` from its current end (or
    from now). ``token`` (from the confirmation screen) makes a double press charge once.
    Raises InsufficientFunds with nothing taken, account_frozen for a frozen account."""
    if not _TOKEN.match(token):
        raise ValueError("token must be 8-40 characters of [A-Za-z0-9_-]")
    settings = get_accounts_settings()
    now = _now(now)
    user = await session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(what="user")
    key = f"{KIND}:{user_id}:{token}"
    done = await session.scalar(select(LedgerEntry.id).where(LedgerEntry.key == key))
    if done is not None:
        assert user.premium_until is not None
        return Purchase(user.premium_until, settings.premium_price, done, False)
    if user.is_banned:
        raise DomainError("account_frozen")
    start = max(now, user.premium_until) if user.premium_until is not None else now
    until = start + timedelta(days=settings.premium_days)
    result = await transfer(
        session,
        kind=KIND,
        key=key,
        src=AccountRef.user(user_id),
        dst=AccountRef.platform(Purpose.REVENUE),
        asset=PRICE_ASSET,
        amount=settings.premium_price,
        ref=f"premium:{user_id}",
        memo={"until": until.isoformat(), "days": settings.premium_days},
    )
    user.premium_until = until
    user.tier = Tier.PREMIUM.value
    await session.flush()
    return Purchase(until, settings.premium_price, result.entry_id, True)


# --- promoted offers -------------------------------------------------------------------------


async def promoted_count(session: AsyncSession, user_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.maker_id == user_id, Offer.is_promoted.is_(True), Offer.status.in_(OPEN_OFFERS))
    )
    return int(count or 0)


async def can_promote(session: AsyncSession, user: User, now: datetime | None = None) -> bool:
    """May ``user`` promote one more offer? Members only, up to ``premium_promoted_offers``."""
    if not is_premium(user, now):
        return False
    return await promoted_count(session, user.id) < get_accounts_settings().premium_promoted_offers


async def set_promoted(
    session: AsyncSession, *, user_id: int, offer_id: int, promoted: bool, now: datetime | None = None
) -> Offer:
    """Promote (or stop promoting) one of the user's open offers. Raises premium_required or
    promotion_limit (with the limit) when promoting is not allowed."""
    user = await session.get(User, user_id, with_for_update=True, populate_existing=True)
    offer = await session.get(Offer, offer_id, with_for_update=True, populate_existing=True)
    if user is None or offer is None:
        raise NotFound(what="offer")
    if offer.maker_id != user_id:
        raise Forbidden(reason="not_your_offer")
    if offer.status not in OPEN_OFFERS:
        raise DomainError("invalid_state", status=offer.status)
    if promoted and not offer.is_promoted:
        if not is_premium(user, now):
            raise DomainError("premium_required")
        limit = get_accounts_settings().premium_promoted_offers
        if await promoted_count(session, user_id) >= limit:
            raise DomainError("promotion_limit", limit=limit)
    if offer.is_promoted != promoted:
        offer.is_promoted = promoted
        await _announce(session, offer)  # the channel post is refreshed (badge, order)
    await session.flush()
    return offer


# --- expiry (scheduled) ----------------------------------------------------------------------


async def remind_expiring(session: AsyncSession, now: datetime | None = None, *, limit: int = 200) -> list[int]:
    """Tell members whose membership ends within ``premium_remind_days`` (once per end date).
    Returns the ids told."""
    now = _now(now)
    horizon = now + timedelta(days=get_accounts_settings().premium_remind_days)
    reminded = select(PremiumReminder.user_id).where(
        PremiumReminder.user_id == User.id, PremiumReminder.until == User.premium_until
    )
    rows = await session.execute(
        select(User.id, User.premium_until)
        .where(User.premium_until > now, User.premium_until <= horizon, ~reminded.exists())
        .order_by(User.id)
        .limit(limit)
    )
    told = []
    for user_id, until in rows.tuples():
        if until is None:
            continue
        fresh = await session.scalar(
            insert(PremiumReminder)
            .values(user_id=user_id, until=until)
            .on_conflict_do_nothing()
            .returning(PremiumReminder.user_id)
        )
        if fresh is None:
            continue  # another worker told them
        outbox.emit(session, events.PremiumExpiring(until=until), [outbox.user(user_id)])
        told.append(user_id)
    return told


async def expire_ended(session: AsyncSession, now: datetime | None = None, *, limit: int = 200) -> list[int]:
    """Memberships that ended: the badge goes (tier back to basic), promoted offers stop being
    promoted, the user is told. Returns the ids expired."""
    now = _now(now)
    users = (
        await session.scalars(
            select(User)
            .where(User.tier == Tier.PREMIUM.value, func.coalesce(User.premium_until, now) <= now)
            .order_by(User.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    ids = [u.id for u in users]
    if not ids:
        return []
    for user in users:
        user.tier = Tier.BASIC.value
        outbox.emit(session, events.PremiumExpired(), [outbox.user(user.id)])
    promoted = await session.scalars(
        select(Offer).where(Offer.maker_id.in_(ids), Offer.is_promoted.is_(True)).with_for_update()
    )
    for offer in promoted.all():
        offer.is_promoted = False
        await _announce(session, offer)
    await session.flush()
    return ids


async def premium_expiry(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """The scheduled job (jobs.py runs it every 5 minutes): remind members three days
    (configurable) before the end; at the end remove the badge and the promotions. Each step in
    its own transaction."""
    async with transaction(session_factory) as session:
        await remind_expiring(session)
    async with transaction(session_factory) as session:
        await expire_ended(session)
