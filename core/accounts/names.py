"""Traders' names: the public nickname each chooses once (unique, case-insensitive, changed at
most once per 30 days) and the comparison of a payer's account holder with the verified name.

The verified name is what a moderator read on the identity document (``users.verified_name``,
set at KYC approval); a nickname is public and chosen freely, so it is never compared.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.users import User

NICK_MIN, NICK_MAX = 3, 20
NICK_CHANGE_EVERY = timedelta(days=30)
RESERVED = ("admin", "admins", "support", "koxx", "moderator", "system", "bot")
_NICK = re.compile(r"[^\W_][\w.]*", re.UNICODE)  # a letter or digit first, then letters, digits, _ and .
_ARABIC_VARIANTS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ئ": "ي", "ؤ": "و", "ة": "ه", "ـ": None,
    "ک": "ك", "ی": "ي", "ہ": "ه",
})  # fmt: skip
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalized_name(name: str) -> str:
    """A person's name reduced for comparison: case, spaces, marks (tashkeel) and the Arabic
    letter variants (alef with hamza, taa marbuta, alef maqsura, tatweel) do not count."""
    text = unicodedata.normalize("NFKD", name.translate(_DIGITS)).translate(_ARABIC_VARIANTS)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(text.casefold().split())


def same_person(holder_name: str, verified_name: str) -> bool:
    return normalized_name(holder_name) == normalized_name(verified_name)


def check_nickname(nickname: str) -> str:
    """The nickname as stored (trimmed), or DomainError("nickname_invalid")."""
    nick = nickname.strip().removeprefix("@").translate(_DIGITS)
    if not NICK_MIN <= len(nick) <= NICK_MAX or not _NICK.fullmatch(nick):
        raise DomainError("nickname_invalid", min=NICK_MIN, max=NICK_MAX)
    if nick.casefold() in RESERVED:
        raise DomainError("nickname_taken", nickname=nick)
    return nick


async def _taken(session: AsyncSession, nickname: str, user_id: int) -> bool:
    stmt = select(User.id).where(func.lower(User.nickname) == nickname.lower(), User.id != user_id)
    return (await session.execute(stmt)).first() is not None


async def set_nickname(session: AsyncSession, *, user_id: int, nickname: str, now: datetime | None = None) -> User:
    """Choose (first time) or change the nickname. A change within 30 days of the last change
    raises nickname_too_soon (with the date it becomes possible); a name another trader holds,
    in any case, nickname_taken. The unique index settles two traders choosing at once."""
    now = now or datetime.now(UTC)
    nick = check_nickname(nickname)
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise DomainError("user_not_found", user_id=user_id)
    if user.nickname == nick:
        return user
    if user.nickname is not None and user.nickname_changed_at is not None:
        allowed = user.nickname_changed_at + NICK_CHANGE_EVERY
        if now < allowed:
            raise DomainError("nickname_too_soon", until=allowed.isoformat())
    if await _taken(session, nick, user_id):
        raise DomainError("nickname_taken", nickname=nick)
    first = user.nickname is None
    user.nickname = nick
    # The first choice is free; from the first change on, one change per 30 days.
    if not first:
        user.nickname_changed_at = now
    await session.flush()
    return user


async def suggest_nickname(session: AsyncSession, user: User) -> str:
    """A free nickname from the Telegram username or first name (digits added when taken)."""
    base = "".join(c for c in (user.username or user.first_name or "") if c.isalnum() or c in "_.")
    base = base.lstrip("_.")[:NICK_MAX - 4]
    if len(base) < NICK_MIN or base.casefold() in RESERVED:
        base = "trader"
    candidate, n = base, 0
    while await _taken(session, candidate, user.id):
        n += 1
        candidate = f"{base}{user.id % 10_000 + n}"[:NICK_MAX]
    return candidate


async def ensure_nickname(session: AsyncSession, user: User) -> None:
    """Give a trader without a nickname a neutral one (trader_123456) at their first offer or
    trade: no extra question in those journeys, and no Telegram name made public without the
    trader choosing it (/nickname suggests it; the first change is free). Two newcomers racing
    for the same name: the loser gets ``trader<id>``."""
    if user.nickname is not None:
        return
    n = user.id % 1_000_000
    nick = f"trader_{n:06d}"
    while await _taken(session, nick, user.id):
        n = (n + 1) % 1_000_000
        nick = f"trader_{n:06d}"
    try:
        async with session.begin_nested():
            await session.execute(update(User).where(User.id == user.id, User.nickname.is_(None)).values(nickname=nick))
    except IntegrityError:
        await session.execute(update(User).where(User.id == user.id, User.nickname.is_(None))
                              .values(nickname=f"trader{user.id}"[:NICK_MAX]))  # fmt: skip
    await session.refresh(user, ["nickname"])
