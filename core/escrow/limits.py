"""What a KYC level may do, and the checks the marketplace and internal transfers call before
acting. The daily withdrawal limit is applied by core.wallet.withdrawals (it counts its own
withdrawals under its lock on the user) from ``limits_for(level).daily_withdrawal``.

Every check raises ``DomainError("limit_exceeded", kind=..., limit=..., level=..., asset=...,
used=..., left=..., next_level=..., next_limit=...)`` so the bot can say what the limit is and
how to raise it (``next_level`` is None at the top level). Amounts are micro units per asset
(see core.accounts.config). "Daily" means the last 24 hours.

Counting and checking must not race: two trades (or transfers) at once could each see room for
itself. The checks take a transaction-scoped advisory lock per user and kind, so concurrent
checks for the same user queue up; the lock is held until the caller's transaction ends, i.e.
until the trade or transfer that used the room is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.config import TOP_LEVEL, Limits, get_accounts_settings
from core.errors import DomainError
from core.escrow.models import Offer, OfferStatus, Trade, TradeStatus
from core.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.types import Purpose
from core.money import Asset
from core.users import User

DAY = timedelta(hours=24)
COUNTED_OFFERS = (OfferStatus.ACTIVE.value, OfferStatus.PAUSED.value)
TRANSFER_KIND = "transfer"


def limits_for(level: int) -> Limits:
    """The limits of a KYC level (levels outside 0..2 are clamped)."""
    table = get_accounts_settings().limits()
    return table[min(max(level, 0), TOP_LEVEL)]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def refusal(kind: str, level: int, asset: Asset | None, limit: int, used: int) -> DomainError:
    next_level = level + 1 if level < TOP_LEVEL else None
    next_limit: int | None = None
    if next_level is not None:
        higher = limits_for(next_level)
        value = getattr(higher, kind)
        next_limit = value[asset] if asset is not None else value
    return DomainError(
        "limit_exceeded",
        kind=kind,
        level=level,
        asset=str(asset) if asset is not None else None,
        limit=limit,
        used=used,
        left=max(limit - used, 0),
        next_level=next_level,
        next_limit=next_limit,
    )


async def _lock(session: AsyncSession, what: str, user_id: int) -> None:
    """Wait for (then hold until the transaction ends) the user's lock for ``what``; taking it
    again in the same transaction is free."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"accounts:{what}:{user_id}"}
    )


async def _user(session: AsyncSession, user: User | int) -> User:
    if isinstance(user, User):
        return user
    found = await session.get(User, user)
    if found is None:
        raise DomainError("not_found", what="user")
    return found


# --- trades ----------------------------------------------------------------------------------


_TRADED_SINCE = select(func.coalesce(func.sum(Trade.crypto_amount), 0)).where(  # built once: every take asks
    or_(Trade.buyer_id == bindparam("user_id"), Trade.seller_id == bindparam("user_id")),
    Trade.asset == bindparam("asset"),
    Trade.status != TradeStatus.CANCELLED.value,
    Trade.created_at > bindparam("since"),
)


async def traded_today(session: AsyncSession, user_id: int, asset: Asset, now: datetime | None = None) -> int:
    """Crypto volume of the user's trades (as buyer or seller) opened in the last 24 hours,
    cancelled trades excluded."""
    params = {"user_id": user_id, "asset": str(Asset(asset)), "since": _now(now) - DAY}
    return int(await session.scalar(_TRADED_SINCE, params) or 0)


async def check_trade(
    session: AsyncSession, user: User | int, *, asset: Asset, amount: int, now: datetime | None = None
) -> None:
    """May ``user`` take part (as buyer or seller) in a new trade of ``amount`` micro units?
    Call it in the transaction that opens the trade, before writing it."""
    user = await _user(session, user)
    asset = Asset(asset)
    limits = limits_for(user.kyc_level)
    if amount > limits.per_trade[asset]:
        raise refusal("per_trade", user.kyc_level, asset, limits.per_trade[asset], 0)
    await _lock(session, "trade", user.id)
    used = await traded_today(session, user.id, asset, now)
    if used + amount > limits.daily_trade[asset]:
        raise refusal("daily_trade", user.kyc_level, asset, limits.daily_trade[asset], used)


async def check_trade_parties(
    session: AsyncSession,
    *,
    buyer: User,
    seller: User,
    asset: Asset,
    amount: int,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """check_trade for both parties of a new trade, in id order (so two trades between the same
    people, in opposite directions, cannot wait for each other's locks). When the other party's
    limit is the one in the way, the actor is told "counterparty_limit" (how much the other side
    can still trade), not their own limit."""
    parties = {buyer.id: buyer, seller.id: seller}
    for user_id in sorted(parties):
        try:
            await check_trade(session, parties[user_id], asset=asset, amount=amount, now=now)
        except DomainError as refused:
            if actor_id is None or user_id == actor_id or refused.code != "limit_exceeded":
                raise
            raise DomainError(
                "counterparty_limit", asset=refused.params["asset"], left=refused.params["left"]
            ) from None


# --- offers ----------------------------------------------------------------------------------


async def open_offers(session: AsyncSession, user_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Offer).where(Offer.maker_id == user_id, Offer.status.in_(COUNTED_OFFERS))
    )
    return int(count or 0)


async def check_open_offers(session: AsyncSession, user: User | int) -> None:
    """May ``user`` publish (or resume) one more offer? Active and paused offers count; a sold-out
    offer closes when its last trade finishes (core.escrow.offers.close_if_sold_out)."""
    user = await _user(session, user)
    limit = limits_for(user.kyc_level).open_offers
    await _lock(session, "offers", user.id)
    used = await open_offers(session, user.id)
    if used + 1 > limit:
        raise refusal("open_offers", user.kyc_level, None, limit, used)


# --- internal transfers ----------------------------------------------------------------------


async def transferred_today(
    session: AsyncSession, user_id: int, asset: Asset, now: datetime | None = None
) -> int:
    """What the user sent to other users (ledger entries of kind "transfer") in the last 24 hours."""
    total = await session.scalar(
        select(func.coalesce(-func.sum(LedgerPosting.amount), 0))
        .select_from(LedgerPosting)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            and_(
                LedgerAccount.owner_kind == "user",
                LedgerAccount.owner_id == user_id,
                LedgerAccount.purpose == str(Purpose.AVAILABLE),
                LedgerAccount.asset == str(Asset(asset)),
                LedgerEntry.kind == TRANSFER_KIND,
                LedgerPosting.amount < 0,
                LedgerEntry.created_at > _now(now) - DAY,
            )
        )
    )
    return int(total or 0)


async def lock_transfers(session: AsyncSession, user_id: int) -> None:
    """Serialise the user's outgoing transfers (held until the transaction ends)."""
    await _lock(session, "transfer", user_id)


async def check_transfer(
    session: AsyncSession, user: User, *, asset: Asset, amount: int, now: datetime | None = None
) -> None:
    asset = Asset(asset)
    limit = limits_for(user.kyc_level).daily_transfer[asset]
    await lock_transfers(session, user.id)
    used = await transferred_today(session, user.id, asset, now)
    if used + amount > limit:
        raise refusal("daily_transfer", user.kyc_level, asset, limit, used)


# --- what the user sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """A user's limits and how much of each daily one is used now (for /limits)."""

    limits: Limits
    traded: dict[Asset, int]
    transferred: dict[Asset, int]
    open_offers: int


async def usage(session: AsyncSession, user: User, now: datetime | None = None) -> Usage:
    return Usage(
        limits=limits_for(user.kyc_level),
        traded={a: await traded_today(session, user.id, a, now) for a in Asset},
        transferred={a: await transferred_today(session, user.id, a, now) for a in Asset},
        open_offers=await open_offers(session, user.id),
    )
