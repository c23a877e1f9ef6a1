"""Private offers and trusted traders (issue 22).

An offer's ``visibility``: ``public`` (listed, posted in the offers channel), ``private`` (never
listed nor posted; reachable only through its link, ``/start p_<link_token>``), ``trusted``
(never posted; listed to, and takeable by, the maker's trusted traders only). A maker's trusted
traders are those they completed a trade with, and those they added by nickname.
"""

from __future__ import annotations

import secrets

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from core.errors import DomainError
from core.escrow.models import Offer, PrivateOfferVisit, Trade, TradeStatus, TrustedTrader
from core.users import User

VISIBILITIES = ("public", "private", "trusted")
SQLInt = ColumnElement[int] | InstrumentedAttribute[int] | int


def new_link_token() -> str:
    return secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]: a deep link may carry them


def trusted_by(maker_id: SQLInt, user_id: SQLInt) -> ColumnElement[bool]:
    """SQL: whether ``maker_id`` trusts ``user_id`` (added them, or completed a trade with them)."""
    added = exists().where(TrustedTrader.user_id == maker_id, TrustedTrader.trusted_id == user_id)
    traded = exists().where(
        Trade.status == TradeStatus.COMPLETED.value,
        or_(and_(Trade.seller_id == maker_id, Trade.buyer_id == user_id),
            and_(Trade.buyer_id == maker_id, Trade.seller_id == user_id)),
    )  # fmt: skip
    return or_(added, traded)


async def is_trusted(session: AsyncSession, maker_id: int, user_id: int) -> bool:
    return bool(await session.scalar(select(trusted_by(maker_id, user_id))))


async def check_may_see(session: AsyncSession, offer: Offer, viewer_id: int) -> None:
    """A trusted-only offer to someone its maker does not trust: DomainError ``offer_trusted_only``;
    a private offer to someone who did not open its link: ``offer_not_found`` (as if it did not
    exist: its number is no way in)."""
    if offer.maker_id == viewer_id or offer.visibility == "public":
        return
    if offer.visibility == "trusted" and not await is_trusted(session, offer.maker_id, viewer_id):
        raise DomainError("offer_trusted_only", offer_id=offer.id)
    if offer.visibility == "private":
        visited = await session.scalar(select(PrivateOfferVisit.user_id).where(
            PrivateOfferVisit.offer_id == offer.id, PrivateOfferVisit.user_id == viewer_id))  # fmt: skip
        if visited is None:
            raise DomainError("offer_not_found", offer_id=offer.id)


async def offer_by_link(session: AsyncSession, token: str, viewer_id: int) -> Offer:
    """The private offer of a link; the viewer may take it from now on."""
    offer = (await session.execute(select(Offer).where(Offer.link_token == token))).scalar_one_or_none()
    if offer is None:
        raise DomainError("offer_not_found", offer_id=None)
    if viewer_id != offer.maker_id:
        await session.execute(insert(PrivateOfferVisit).values(offer_id=offer.id, user_id=viewer_id)
                              .on_conflict_do_nothing())  # fmt: skip
    return offer


async def offer_by_id_link(session: AsyncSession, offer_id: int, viewer_id: int) -> Offer:
    """The offer of a link ``offer_<id>``: a private offer is not reachable by its number (its
    maker excepted)."""
    offer = await session.get(Offer, offer_id, populate_existing=True)
    if offer is None or (offer.visibility == "private" and offer.maker_id != viewer_id):
        raise DomainError("offer_not_found", offer_id=offer_id)
    return offer


async def _by_nickname(session: AsyncSession, nickname: str) -> User:
    nick = nickname.strip().removeprefix("@")
    found = (await session.execute(select(User).where(func.lower(User.nickname) == nick.lower()))).scalar_one_or_none()
    if found is None:
        raise DomainError("nickname_unknown", nickname=nick)
    return found


async def trust(session: AsyncSession, *, user_id: int, nickname: str) -> User:
    """Add the trader with ``nickname`` to ``user_id``'s trusted list; returns them."""
    other = await _by_nickname(session, nickname)
    if other.id == user_id:
        raise DomainError("trust_self")
    await session.execute(insert(TrustedTrader).values(user_id=user_id, trusted_id=other.id).on_conflict_do_nothing())
    return other


async def untrust(session: AsyncSession, *, user_id: int, nickname: str) -> User:
    """Remove an added trader from the list (a trader once traded with stays trusted)."""
    other = await _by_nickname(session, nickname)
    await session.execute(delete(TrustedTrader).where(TrustedTrader.user_id == user_id,
                                                      TrustedTrader.trusted_id == other.id))  # fmt: skip
    return other


async def trusted_list(session: AsyncSession, user_id: int) -> tuple[list[User], int]:
    """The traders ``user_id`` added (by nickname, oldest first) and how many they completed
    trades with (trusted too)."""
    added = select(User).join(TrustedTrader, TrustedTrader.trusted_id == User.id).where(
        TrustedTrader.user_id == user_id).order_by(TrustedTrader.created_at)  # fmt: skip
    other = func.coalesce(func.nullif(Trade.seller_id, user_id), Trade.buyer_id)
    traded = await session.scalar(
        select(func.count(func.distinct(other))).where(
            Trade.status == TradeStatus.COMPLETED.value, or_(Trade.seller_id == user_id, Trade.buyer_id == user_id))
    )  # fmt: skip
    return list((await session.execute(added)).scalars()), int(traded or 0)
