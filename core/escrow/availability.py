"""Away and business hours (issue 22): a maker's offers are hidden from the market, and cannot be
taken, while the maker is away (until ``users.away_until``) or outside their business hours
(``users.open_from`` to ``open_to``, whole hours of Baghdad time; a range may run past midnight,
22 to 6). Nothing is changed when the time comes: the offers simply show again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.errors import DomainError
from core.users import User

ZONE = ZoneInfo("Asia/Baghdad")  # business hours are local time
AWAY_MAX = timedelta(days=30)


def local_hour(now: datetime) -> int:
    return now.astimezone(ZONE).hour


def is_open(user: User, now: datetime) -> bool:
    """Whether ``user``'s offers show at ``now``."""
    if user.away_until is not None and user.away_until > now:
        return False
    if user.open_from is None or user.open_to is None:
        return True
    hour = local_hour(now)
    if user.open_from < user.open_to:
        return user.open_from <= hour < user.open_to
    return hour >= user.open_from or hour < user.open_to  # past midnight


def open_sql(now: ColumnElement[datetime], hour: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the maker (``User``, joined) is open at ``now``, whose Baghdad hour is ``hour``."""
    within = or_(
        User.open_from.is_(None), User.open_to.is_(None),
        and_(User.open_from < User.open_to, User.open_from <= hour, hour < User.open_to),
        and_(User.open_from > User.open_to, or_(hour >= User.open_from, hour < User.open_to)),
    )  # fmt: skip
    return and_(or_(User.away_until.is_(None), User.away_until <= now), within)


def check_open(maker: User, now: datetime) -> None:
    """Taking an offer of a maker who is away or outside their hours: DomainError ``maker_away``."""
    if not is_open(maker, now):
        raise DomainError("maker_away", until=maker.away_until.isoformat() if maker.away_until else None,
                          open_from=maker.open_from, open_to=maker.open_to)  # fmt: skip


async def set_away(session: AsyncSession, *, user_id: int, until: datetime | None, now: datetime | None = None) -> User:
    """Away until ``until`` (at most AWAY_MAX ahead); None: back now."""
    now = now or datetime.now(UTC)
    if until is not None and not now < until <= now + AWAY_MAX:
        raise DomainError("away_invalid", until=until.isoformat())
    user = await _user(session, user_id)
    user.away_until = until
    return user


async def set_hours(session: AsyncSession, *, user_id: int, open_from: int | None, open_to: int | None) -> User:
    """Business hours, whole hours 0-23 of Baghdad time (from == to is refused); None, None: always."""
    if (open_from is None) != (open_to is None):
        raise DomainError("hours_invalid")
    if open_from is not None and open_to is not None:
        if not (0 <= open_from <= 23 and 0 <= open_to <= 23) or open_from == open_to:
            raise DomainError("hours_invalid")
    user = await _user(session, user_id)
    user.open_from, user.open_to = open_from, open_to
    return user


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise DomainError("user_not_found", user_id=user_id)
    return user
