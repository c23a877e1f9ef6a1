"""Each incoming update is handled once, across web workers and crashes.

Telegram delivers an update again until a webhook answers it 200; a worker killed while handling
one (or after committing it, before answering) gets it redelivered, maybe to another worker. The
update's id is written in the update's own transaction: a redelivery of an update whose work
committed finds the row and is skipped; one whose worker died before committing finds no row
(the dead transaction rolled back) and is handled. A redelivery racing the first attempt waits
on the row's key until that transaction ends. Rows older than Telegram's 24 hours of retries
are purged by a job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class HandledUpdate(Base):
    __tablename__ = "handled_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handled_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_handled_updates_handled_at", "handled_at"),)


async def claim(session: AsyncSession, *, bot_id: int, update_id: int) -> bool:
    """True for the first handling of this update (the row is written in the caller's
    transaction), False when a committed handling exists already."""
    statement = (
        insert(HandledUpdate)
        .values(bot_id=bot_id, update_id=update_id)
        .on_conflict_do_nothing()
        .returning(HandledUpdate.update_id)
    )
    return (await session.execute(statement)).first() is not None


async def purge(session: AsyncSession, *, before: datetime, batch: int = 10_000) -> int:
    """Delete up to ``batch`` rows handled before ``before``; returns how many."""
    old = select(HandledUpdate.bot_id, HandledUpdate.update_id).where(HandledUpdate.handled_at < before).limit(batch)
    key = tuple_(HandledUpdate.bot_id, HandledUpdate.update_id)
    result = await session.execute(delete(HandledUpdate).where(key.in_(old)))
    return int(getattr(result, "rowcount", 0) or 0)
