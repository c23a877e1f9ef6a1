"""Users: who they are, their language, level and standing."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column, fresh

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Tier(enum.StrEnum):
    BASIC = "basic"
    PREMIUM = "premium"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Telegram user id
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str | None] = mapped_column(String(8))  # None until the user chose
    telegram_language: Mapped[str | None] = mapped_column(String(8))  # Telegram's language_code, as last seen
    kyc_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tier: Mapped[str] = mapped_column(String(16), default=Tier.BASIC, server_default=Tier.BASIC.value)
    premium_until: Mapped[datetime | None]
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    referred_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    is_banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    bot_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()
    # The public name on offers, trade cards and profiles (core.accounts.names): unique,
    # case-insensitively; None until the trader chose one.
    nickname: Mapped[str | None] = mapped_column(String(20))
    nickname_changed_at: Mapped[datetime | None]  # the last change after the first choice
    # The legal name a moderator read on the identity document (KYC approval); payers' names
    # are compared with it (core.accounts.payment_accounts).
    verified_name: Mapped[str | None] = mapped_column(String(128))
    # The market last looked at, "USDT:IQD" (remember_market): lists and express trades open on it.
    market_pair: Mapped[str | None] = mapped_column(String(16))
    # Away and business hours (core.escrow.availability): offers hidden until ``away_until`` and
    # outside open_from..open_to (whole hours, Baghdad time; None: always open).
    away_until: Mapped[datetime | None]
    open_from: Mapped[int | None] = mapped_column(SmallInteger)
    open_to: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (Index("uq_users_nickname_lower", func.lower(nickname), unique=True),)

    @property
    def display_name(self) -> str:
        return f"@{self.username}" if self.username else self.first_name or str(self.id)

    @property
    def public_name(self) -> str:
        """What other traders and staff call this trader: the nickname, else the Telegram name."""
        return self.nickname or self.display_name


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


async def register(
    session: AsyncSession,
    *,
    user_id: int,
    username: str | None,
    first_name: str,
    blocked: bool | None = None,
    telegram_language: str | None = None,
) -> User:
    """Store a Telegram user once (a second call only refreshes the names) and return it.

    ``blocked`` is what the update says of the traders' bot reaching this user: False, they
    wrote to it or let it back in (so it can write to them again); True, they just blocked it;
    None, nothing (the admin bot). It sets ``bot_blocked``, which the notifier also sets on a 403.
    ``telegram_language``: the language_code the update carries (None: it carries none; the stored
    one stays): what a staff member's notices are written in until they choose a language.

    Every update calls this: when nothing changed it only reads, so that an update which writes
    nothing else commits a read-only transaction (no row lock, no WAL flush)."""
    known = await fresh(session, User, user_id)
    if (
        known is not None
        and known.username == username
        and known.first_name == first_name
        and blocked in (None, known.bot_blocked)
        and telegram_language in (None, known.telegram_language)
    ):
        return known
    changes: dict[str, object] = {"username": username, "first_name": first_name}
    if blocked is not None:
        changes["bot_blocked"] = blocked
    if telegram_language is not None:
        changes["telegram_language"] = telegram_language
    stmt = (
        insert(User)
        .values(id=user_id, referral_code=new_referral_code(), **changes)
        .on_conflict_do_update(index_elements=[User.id], set_=changes)
        .returning(User)
    )
    result = await session.execute(stmt, execution_options={"populate_existing": True})
    return result.scalar_one()


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def by_username(session: AsyncSession, username: str) -> User | None:
    name = username.removeprefix("@")
    result = await session.execute(select(User).where(User.username.ilike(name)))
    return result.scalars().first()


DEFAULT_MARKET = ("USDT", "IQD")


def market_of(user: User) -> tuple[str, str]:
    """(asset, fiat) the trader last looked at, else USDT for Iraqi dinars."""
    asset, _, fiat = (user.market_pair or "").partition(":")
    return (asset, fiat) if asset and fiat else DEFAULT_MARKET


def remember_market(user: User, asset: str, fiat: str) -> None:
    """Remember the market a trader looks at (written only when it changed)."""
    pair = f"{asset}:{fiat}"
    if user.market_pair != pair:
        user.market_pair = pair


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    if language not in ("ar", "en"):
        raise ValueError(language)
    user = await session.get(User, user_id, with_for_update=True)
    if user is not None:
        user.language = language
