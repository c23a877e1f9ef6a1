"""The outbox: core announces what happened by writing rows in the same transaction
as the change. The notifier (outside core) delivers them; a rolled-back change leaves
no row, a crash before delivery leaves the row for the next run.

An event is one of core.events' classes (its row: the ``kind`` and JSON ``payload`` that
core.events writes and parses). One row per recipient, so that a partly delivered event resumes
where it stopped.
A recipient is ``user:<id>``, ``channel:offers``, ``channel:payments`` or ``admins``.

Rows with a ``latest_key`` each carry the whole state of one thing (an offer's channel post):
for one recipient only the newest matters, so the notifier skips a row once a newer one with
the same key exists. A busy offer then costs its channel one edit per turn of Telegram's
group limit (20 a minute), not one per take, and the post never goes back to an older state.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, delete, func, or_, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column
from core.events import Event, recipient_kind, to_row


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
    latest_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(
            "ix_outbox_pending", "available_at", postgresql_where="delivered_at IS NULL AND failed_at IS NULL"
        ),
        Index("ix_outbox_latest", "recipient", "latest_key", "id", postgresql_where="latest_key IS NOT NULL"),
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


def emit(session: AsyncSession, event: Event, recipients: list[str]) -> None:
    """Queue ``event`` for each recipient, in the caller's transaction. Refuses a recipient whose
    kind the event's class does not declare (its ``audience``: the bots render no other)."""
    for recipient in recipients:
        if recipient_kind(recipient) not in event.audience:
            raise ValueError(f"{type(event).__name__} is not sent to {recipient}")
    kind, payload = to_row(event)
    for recipient in dict.fromkeys(recipients):
        session.add(OutboxMessage(kind=kind, recipient=recipient, payload=payload, latest_key=event.latest_key))
    session.info["outbox"] = True  # tells whoever commits to wake the notifier


async def superseded(session: AsyncSession, message: OutboxMessage) -> bool:
    """A newer row for the same recipient and ``latest_key`` exists (delivered or still to be;
    one given up does not count), so this one need not be delivered."""
    if message.latest_key is None:
        return False
    newer = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.recipient == message.recipient,
            OutboxMessage.latest_key == message.latest_key,
            OutboxMessage.id > message.id,
            OutboxMessage.failed_at.is_(None),
        )
        .limit(1)
    )
    return (await session.execute(newer)).first() is not None


async def claim_batch(session: AsyncSession, limit: int = 50, *, held: Collection[str] = ()) -> list[OutboxMessage]:
    """Lock a batch of due messages (skipping rows another notifier holds), leaving the rows of
    the ``held`` recipients (whose chat must wait its turn) where they are, in their order."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.available_at <= func.now(),
            OutboxMessage.recipient.not_in(held) if held else true(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def purge_settled(session: AsyncSession, *, before: datetime, batch: int = 10_000) -> int:
    """Delete up to ``batch`` rows settled (delivered or given up) before ``before``; returns how
    many. What happened stays in the domain's own records (trade events, the ledger)."""
    settled = (
        select(OutboxMessage.id)
        .where(or_(OutboxMessage.delivered_at < before, OutboxMessage.failed_at < before))
        .limit(batch)
    )
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(settled)))
    return int(getattr(result, "rowcount", 0) or 0)
