"""The outbox: core announces what happened by writing rows in the same transaction
as the change. The notifier (outside core) delivers them; a rolled-back change leaves
no row, a crash before delivery leaves the row for the next run.

One row per recipient, so that a partly delivered event resumes where it stopped.
A recipient is ``user:<id>``, ``channel:offers``, ``channel:payments`` or ``admins``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_outbox_pending", "available_at", postgresql_where="delivered_at IS NULL AND failed_at IS NULL"
        ),
    )


class ChannelPost(Base):
    """Which channel message shows which thing (e.g. ``offer:12``), so it can be edited or removed."""

    __tablename__ = "channel_posts"

    post_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger)


def user(user_id: int) -> str:
    return f"user:{user_id}"


OFFERS_CHANNEL = "channel:offers"
PAYMENTS_CHANNEL = "channel:payments"
ADMINS = "admins"


def emit(session: AsyncSession, kind: str, payload: dict[str, Any], recipients: list[str]) -> None:
    """Queue ``kind`` with ``payload`` (JSON-safe) for each recipient, in the caller's transaction."""
    for recipient in dict.fromkeys(recipients):
        session.add(OutboxMessage(kind=kind, recipient=recipient, payload=payload))
    session.info["outbox"] = True  # tells whoever commits to wake the notifier


async def claim_batch(session: AsyncSession, limit: int = 50) -> list[OutboxMessage]:
    """Lock a batch of due messages (skipping rows another notifier holds)."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.available_at <= func.now(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def mark_delivered(session: AsyncSession, message_id: int) -> None:
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(delivered_at=func.now())
    )
