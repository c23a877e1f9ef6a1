"""Sign-in sessions of the API's clients: refresh tokens, rotated on every use.

A login starts a *family*; each refresh marks the presented token used and issues the next one of
the same family. Presenting a token that was already used means it was copied (the rightful
client rotated it, or the thief did): the whole family is revoked, so both must sign in again.
Only a SHA-256 of a token is stored. The caller's transaction must commit even when
``rotate`` refuses a reused token (``RefreshRefused.revoked``), or the revocation is lost.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column
from core.errors import DomainError

REFRESH_FOR = timedelta(days=30)


class RefreshToken(Base):
    __tablename__ = "api_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RefreshRefused(DomainError):
    """``refresh_invalid`` (unknown, expired, revoked) or ``refresh_reused`` (family revoked)."""


@dataclass(frozen=True)
class Issued:
    token: str  # the secret the client keeps (the cookie); never stored
    user_id: int
    family: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _issue(session: AsyncSession, user_id: int, family: str, now: datetime) -> Issued:
    token = secrets.token_urlsafe(32)
    expires = now + REFRESH_FOR
    session.add(RefreshToken(token_hash=_hash(token), family=family, user_id=user_id, created_at=now,
                             expires_at=expires))  # fmt: skip
    return Issued(token, user_id, family, expires)


async def start(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> Issued:
    """A new family's first token (a login)."""
    issued = _issue(session, user_id, secrets.token_hex(16), _now(now))
    await session.flush()
    return issued


async def rotate(session: AsyncSession, token: str | None, *, now: datetime | None = None) -> Issued:
    """The next token of ``token``'s family; ``token`` becomes used. Raises RefreshRefused."""
    now = _now(now)
    row = await session.get(RefreshToken, _hash(token or ""), with_for_update=True, populate_existing=True)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise RefreshRefused("refresh_invalid")
    if row.used_at is not None:
        await revoke_family(session, row.family, now=now)
        raise RefreshRefused("refresh_reused", family=row.family)
    row.used_at = now
    issued = _issue(session, row.user_id, row.family, now)
    await session.flush()
    return issued


async def revoke(session: AsyncSession, token: str | None, *, now: datetime | None = None) -> None:
    """Sign out: ``token``'s family ends (an unknown token: nothing to do)."""
    row = await session.get(RefreshToken, _hash(token or ""))
    if row is not None:
        await revoke_family(session, row.family, now=now)


async def revoke_family(session: AsyncSession, family: str, *, now: datetime | None = None) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now(now))
    )
